"""Seed a running demo server's program with terms, for the widget's terms test: the live
program again, its `terms` set to the Spanish and English words given (a new version).

Run as `python -m tests.browser.terms_seed DATA_DIR ES_TEXT EN_TEXT` with the server's environment.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import httpx

from connector.domain.program import program_to_dict
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program, save_program
from connector.settings import load_settings
from connector.store.db import close_db, init_db
from connector.store.models import Shop


async def seed(data_dir: Path, es: str, en: str) -> None:
    settings = replace(load_settings(), database_url=f"sqlite://{data_dir / 'demo.sqlite3'}")
    await init_db(settings.database_url)
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            shop = await Shop.get(platform=demo.PLATFORM, domain=demo.SHOP)
            config = program_to_dict((await live_program(runtime, shop)).program)
            config["terms"] = {"es": es, "en": en}
            await save_program(runtime, shop, config, actor="test")
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(seed(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
