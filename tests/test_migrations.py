"""The migrations in the repository describe exactly the models, and carry older rows over."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from connector.store.db import MIGRATIONS, close_db, conn, init_db, migrate
from connector.store.makemigrations import _generate_in_subprocess
from connector.store.models import Reward, Shop


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    workdir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, workdir, ignore=shutil.ignore_patterns("__pycache__"))

    written = _generate_in_subprocess("sqlite://:memory:", workdir, "drift")

    assert written is None, f"models changed without a migration: {written.read_text()[:2000]}"


def test_every_migration_carries_both_dialects() -> None:
    for path in sorted((MIGRATIONS / "models").glob("*.py")):
        text = path.read_text()
        assert 'if db.capabilities.dialect == "postgres":' in text, path.name
        postgres_part = text.split('if db.capabilities.dialect == "postgres":')[1].split(
            "return", 2
        )[1]
        assert "AUTOINCREMENT" not in postgres_part, path.name


async def _upgrade(database_url: str, location: Path) -> list[str]:
    """Apply the migrations found at `location`, then reconnect (as the `db` fixture does)."""
    applied = await migrate(database_url, location)
    await close_db()
    await init_db(database_url)
    return applied


async def test_records_paid_before_the_payout_columns_move_into_them(tmp_path: Path) -> None:
    # Given a database from before the payout columns, with two paid records and an unpaid one
    migration = next((MIGRATIONS / "models").glob("*_payouts.py"))
    earlier = tmp_path / "migrations"
    shutil.copytree(
        MIGRATIONS, earlier, ignore=shutil.ignore_patterns("__pycache__", migration.name)
    )
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    try:
        await _upgrade(url, earlier)
        shop = await Shop.create(platform="sandbox", domain="old.sandbox")
        paid_at = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
        rows = [
            ("rw_1", "paid", "paid_by:maria@shop.example", "SEPA-0042"),
            ("rw_2", "paid", "paid_by:joan", "paid"),
            ("rw_3", "recorded", None, None),
        ]
        for key, status, reason, ref in rows:
            await conn().execute_query(
                'INSERT INTO "reward" ("shop_id", "idempotency_key", "side", "kind", "status",'
                ' "reason", "platform_ref", "attempts", "created_at", "updated_at")'
                " VALUES (?, ?, 'advocate', 'cash', ?, ?, ?, 1, ?, ?)",
                [shop.id, key, status, reason, ref, paid_at, paid_at],
            )

        # When the payout migration runs
        shutil.copy(migration, earlier / "models" / migration.name)
        applied = await _upgrade(url, earlier)

        # Then who paid, the reference and the time are in their columns; the outbox's mark stays
        found = [
            (r.idempotency_key, r.status, r.reason, r.platform_ref, r.paid_at, r.paid_by,
             r.payout_reference)
            for r in await Reward.filter(shop_id=shop.id).order_by("idempotency_key")
        ]  # fmt: skip
        assert applied == [migration.name]
        assert found == [
            ("rw_1", "paid", None, "SEPA-0042", paid_at, "maria@shop.example", "SEPA-0042"),
            ("rw_2", "paid", None, "paid", paid_at, "joan", None),
            ("rw_3", "recorded", None, None, None, None, None),
        ]
    finally:
        await close_db()
