"""The migrations in the repository describe exactly the models, and carry older rows over."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from connector.store.db import MIGRATIONS, close_db, conn, init_db, migrate
from connector.store.makemigrations import _generate_in_subprocess
from connector.store.models import Advocate, Referral, Reward, Shop


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



def _number(path: Path) -> int:
    """A migration's number (its file name's prefix)."""
    return int(path.name.split("_", 1)[0])

async def test_referrals_and_points_before_the_counters_are_counted_into_them(
    tmp_path: Path,
) -> None:
    # Given a database from before the counters: Ana with two live referrals and a rejected one,
    # one of them for an order whose record says when it was placed, and a ledger
    migration = next((MIGRATIONS / "models").glob("*_indexes_and_counters.py"))
    later = sorted((MIGRATIONS / "models").glob("*.py"))
    # By number, not by name: "11_…" sorts before "5_…" as text.
    earlier = tmp_path / "migrations"
    skipped = [p.name for p in later if _number(p) >= _number(migration)]
    shutil.copytree(MIGRATIONS, earlier, ignore=shutil.ignore_patterns("__pycache__", *skipped))
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    placed = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    recorded = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    try:
        await _upgrade(url, earlier)
        shop = await Shop.create(platform="sandbox", domain="old.sandbox")
        await conn().execute_query(
            'INSERT INTO "advocate" ("id", "shop_id", "kind", "name", "friend_code", "share_token",'
            " \"status\", \"created_at\") VALUES (7, ?, 'customer', 'Ana', 'ANA', 'tok', 'active', ?)",
            [shop.id, recorded],
        )
        await conn().execute_query(
            'INSERT INTO "order_record" ("shop_id", "order_id", "order_name", "currency",'
            ' "subtotal", "total", "refunded", "financial_status", "paid", "cancelled", "is_test",'
            ' "discount_codes", "order_created_at", "first_seen_at")'
            " VALUES (?, 'o1', '#1', 'USD', 50, 50, 0, 'paid', 1, 0, 0, '[]', ?, ?)",
            [shop.id, placed, recorded],
        )
        for key, order_id, state in (
            ("order:o1", "o1", "rewarded"), ("order:o2", "o2", "rejected"),
            ("signup:f@example.org", None, "pending"),
        ):  # fmt: skip
            await conn().execute_query(
                'INSERT INTO "referral" ("shop_id", "advocate_id", "qualifying_key", "order_id",'
                ' "stage", "state", "program_version", "currency", "order_subtotal",'
                ' "order_total", "refunded", "evidence", "findings", "reward_plans",'
                " \"created_at\", \"updated_at\") VALUES (?, 7, ?, ?, 'purchase', ?, 1, 'USD',"
                " 50, 50, 0, '[]', '[]', '[]', ?, ?)",
                [shop.id, key, order_id, state, recorded, recorded],
            )
        for key, kind, points in (("e1", "earn", 100), ("e2", "earn", 20), ("r1", "redeem", -30)):
            await conn().execute_query(
                'INSERT INTO "ledger_entry" ("shop_id", "advocate_id", "kind", "points",'
                ' "reference", "idempotency_key", "created_at") VALUES (?, 7, ?, ?, \'\', ?, ?)',
                [shop.id, kind, points, key, recorded],
            )

        # When the counters' migration runs
        shutil.copy(migration, earlier / "models" / migration.name)
        applied = await _upgrade(url, earlier)

        # Then each referral is placed when its order was (else when it was recorded), and Ana's
        # counters hold her two live referrals and the 120 points she earned
        assert applied == [migration.name]
        placings = await Referral.filter(shop_id=shop.id).order_by("qualifying_key")
        assert [(r.qualifying_key, r.placed_at) for r in placings] == [
            ("order:o1", placed), ("order:o2", recorded), ("signup:f@example.org", recorded),
        ]  # fmt: skip
        ana = await Advocate.get(id=7)
        assert (ana.live_referrals, ana.points_earned) == (2, 120)
    finally:
        await close_db()
