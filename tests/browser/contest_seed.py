"""Seed a running demo server's database for the widget's leaderboard test: a contest running
now, three advocates (Ana, Bea who asks not to be named, Cy) and their qualified referrals.

Run as `python -m tests.browser.contest_seed DATA_DIR` with the server's environment.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from connector.domain.program import Contest, program_to_dict
from connector.domain.program.presets import CONTEST
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.programs import save_program
from connector.settings import load_settings
from connector.store.db import close_db, init_db
from connector.store.models import Referral, Shop

# (name, customer id, qualified referrals, named on the board)
MEMBERS = [("Ana García", "ana", 1, True), ("Bea Ruiz", "bea", 3, False), ("Cy Lee", "cy", 2, True)]


async def seed(data_dir: Path) -> None:
    settings = replace(load_settings(), database_url=f"sqlite://{data_dir / 'demo.sqlite3'}")
    await init_db(settings.database_url)
    now = datetime.now(UTC)
    start = now - timedelta(days=2)
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            shop = await Shop.get(platform=demo.PLATFORM, domain=demo.SHOP)
            contest = Contest("widget", "Carrera de diciembre", start, now + timedelta(days=9), 3)
            program = replace(CONTEST, currency="EUR", hold_days=0, contest=contest)
            await save_program(runtime, shop, program_to_dict(program), actor="test")
            order = 9000
            for name, customer, count, named in MEMBERS:
                enrolled = await enrol_advocate(
                    runtime, shop, customer_id=customer, email=f"{customer}@example.org", name=name
                )
                who = enrolled.advocate
                who.leaderboard_hidden = not named
                await who.save(update_fields=["leaderboard_hidden"])
                for hour in range(count):
                    order += 1
                    at = start + timedelta(hours=hour + 1)
                    await Referral.create(
                        shop=shop, advocate=who, qualifying_key=f"order:{order}",
                        order_id=str(order), state="approved", program_version=2,
                        currency="EUR", created_at=at, updated_at=at, placed_at=at,
                    )  # fmt: skip
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(seed(Path(sys.argv[1])))
