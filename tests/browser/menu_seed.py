"""Seed a running demo server's database for the widget's reward-menu test: the demo program
with a menu for the advocate's reward, and Ana (customer "ana") with one approved referral whose
reward waits for her pick.

Run as `python -m tests.browser.menu_seed DATA_DIR` with the server's environment.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from connector.domain.money import Money
from connector.domain.program import parse_program, program_to_dict
from connector.domain.rewards.amounts import Side, plan
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.programs import save_program
from connector.services.referrals.records import plans_json, reward_amounts
from connector.settings import load_settings
from connector.store.db import close_db, init_db
from connector.store.models import Referral, Reward, RewardStatus, Shop

MENU = {
    "choices": [
        {"choice_id": "credit", "label_es": "Saldo en la tienda", "label_en": "Store credit",
         "reward": {"kind": "store_credit", "value": "10.00"}},
        {"choice_id": "discount", "label_es": "Un código de descuento", "label_en": "A discount code",
         "reward": {"kind": "fixed_amount_discount", "value": "15.00"}},
    ],
    "default_choice_id": "credit",
    "default_after_days": 7,
}  # fmt: skip


async def seed(data_dir: Path) -> None:
    settings = replace(load_settings(), database_url=f"sqlite://{data_dir / 'demo.sqlite3'}")
    await init_db(settings.database_url)
    now = datetime.now(UTC)
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            shop = await Shop.get(platform=demo.PLATFORM, domain=demo.SHOP)
            config = {**demo.PROGRAM, "reward_menu": MENU}
            saved = await save_program(runtime, shop, config, actor="test")
            program = parse_program(saved.config)
            default = program.reward_menu.choices[0]  # type: ignore[union-attr]
            ana = (
                await enrol_advocate(
                    runtime, shop, customer_id="ana", email="ana@example.org", name="Ana"
                )
            ).advocate
            earned = replace(
                plan(
                    shop=shop.domain, order_id="9100", side=Side.ADVOCATE,
                    beneficiary=str(ana.id), rule=default.reward,
                    value=Money(Decimal("60.00"), program.currency),
                ),
                choice_id=default.choice_id, menu_days=7,
            )  # fmt: skip
            referral = await Referral.create(
                shop=shop, advocate=ana, qualifying_key="order:9100", order_id="9100",
                state="approved", program_version=saved.version, currency=program.currency,
                reward_plans=plans_json([earned]), created_at=now, updated_at=now, placed_at=now,
            )  # fmt: skip
            await Reward.create(
                shop=shop, referral=referral, advocate=ana, idempotency_key=earned.idempotency_key,
                side="advocate", kind=earned.kind.value, **reward_amounts(earned),
                recipient_customer_id="ana", recipient_email="ana@example.org",
                status=RewardStatus.AWAITING_CHOICE, choice_due_at=now + timedelta(days=7),
                created_at=now, updated_at=now,
            )  # fmt: skip
            assert program_to_dict(program)["reward_menu"]["default_choice_id"] == "credit"
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(seed(Path(sys.argv[1])))
