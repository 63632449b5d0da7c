"""The reward commands as an operator runs them: a real process against a real database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from connector.crypto import Vault
from connector.settings import load_settings
from connector.store import db as store_db
from connector.store.models import Advocate, LedgerEntry, Reward, Shop
from tests.test_cli import cli_env, run_cli  # noqa: F401 - the fixture is used by name

SHOP = "demo.sandbox"
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def seeded(env: dict[str, str], seed: Callable[[Shop, Advocate], Awaitable[None]]) -> int:
    """A sandbox shop and its advocate Ana, plus what `seed` adds; returns Ana's id."""

    async def run() -> int:
        settings = load_settings(env)
        await store_db.init_db(settings.database_url)
        try:
            token = Vault(settings.encryption_keys).encrypt("sandbox-token")
            shop = await Shop.create(platform="sandbox", domain=SHOP, access_token=token)
            ana = await Advocate.create(
                shop=shop, name="Ana", email="ana@example.org", customer_id="7001",
                friend_code="ANA-7KQ4", share_token="share-ana", created_at=AT,
            )  # fmt: skip
            await seed(shop, ana)
            return ana.id
        finally:
            await store_db.close_db()

    return asyncio.run(run())


def test_payouts_export_and_paid(cli_env: dict[str, str]) -> None:  # noqa: F811
    async def cash(shop: Shop, ana: Advocate) -> None:
        await Reward.create(
            shop=shop, advocate=ana, idempotency_key="rw_cash", side="advocate", kind="cash",
            amount=Decimal("12.5"), currency="EUR", status="recorded", issued_at=AT,
            created_at=AT, updated_at=AT,
        )  # fmt: skip

    ana = seeded(cli_env, cash)

    paid = run_cli(
        cli_env, "payouts", "paid", "--shop", SHOP, "1", "--by", "maria", "--reference", "SEPA-1"
    )
    exported = run_cli(cli_env, "payouts", "export", "--shop", SHOP, "--status", "paid")

    assert paid.returncode == 0, paid.stderr
    assert "record 1 paid by maria (SEPA-1)" in paid.stdout
    assert exported.returncode == 0, exported.stderr
    header, row = exported.stdout.splitlines()
    assert header.startswith("reward_id,recorded_at,kind,amount,currency,cause,advocate_id")
    assert row.startswith(
        f"1,2026-11-02T09:30:00Z,cash,12.50,EUR,,{ana},Ana,ana@example.org,,paid,"
    )
    assert row.endswith(",maria,SEPA-1")


def test_loyalty_balance(cli_env: dict[str, str]) -> None:  # noqa: F811
    async def points(shop: Shop, ana: Advocate) -> None:
        for key, amount in (("earn-1", 500), ("earn-2", 250), ("redeem-1", -100)):
            await LedgerEntry.create(
                shop=shop, advocate=ana, kind="earn" if amount > 0 else "redeem", points=amount,
                idempotency_key=key, created_at=AT,
            )  # fmt: skip

    ana = seeded(cli_env, points)

    result = run_cli(cli_env, "loyalty", "balance", "--shop", SHOP, "--advocate", str(ana))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"advocate {ana}: 650 points, tier -"


def test_simulate_prints_the_explanation(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    async def nothing(shop: Shop, ana: Advocate) -> None:
        return None

    ana = seeded(cli_env, nothing)
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps(
            {"id": 5001, "email": "friend@example.org", "created_at": "2026-11-20T10:00:00Z",
             "updated_at": "2026-11-20T10:00:00Z", "financial_status": "paid", "currency": "USD",
             "subtotal_price": "80.00", "total_price": "80.00",
             "discount_codes": [{"code": "ANA-7KQ4"}], "line_items": []}
        )
    )  # fmt: skip

    result = run_cli(cli_env, "simulate", "--shop", SHOP, str(order), "--assume-new")

    assert result.returncode == 0, result.stderr
    assert f"Order 5001 ({SHOP}) would be credited and held as pending" in result.stdout
    assert f"Discount code ANA-7KQ4 belongs to advocate {ana}." in result.stdout
    assert "Dry run: nothing was written and nothing was created in the store." in result.stdout


def test_reconcile_reports_what_it_fed(cli_env: dict[str, str]) -> None:  # noqa: F811
    async def nothing(shop: Shop, ana: Advocate) -> None:
        return None

    seeded(cli_env, nothing)

    result = run_cli(cli_env, "reconcile", "--shop", SHOP, "--since", "2026-11-01")

    assert result.returncode == 0, result.stderr
    assert f"fed 0 orders of {SHOP} into the inbox" in result.stdout
