"""`connector program|advocates|referrals|review` as an operator runs them: a real process."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from connector.services.base.runtime import Runtime
from connector.settings import load_settings
from connector.store import db as store_db
from tests.referrals.helpers import PROGRAM, SHOP, order_body, process, put, sandbox_shop
from tests.test_cli import cli_env, run_cli

__all__ = ["cli_env"]  # the fixture, used by name below


def _shop_with_a_referral(env: dict[str, str]) -> None:
    """A sandbox shop with PROGRAM saved, Ana enrolled, and one pending referral of hers."""

    async def build() -> None:
        from connector.services.referrals.advocates import enrol_advocate

        settings = load_settings(env)
        await store_db.init_db(settings.database_url)
        try:
            async with httpx.AsyncClient() as http:
                runtime = Runtime(settings, http)
                shop = await sandbox_shop(runtime)
                ana = await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
                placed = datetime.now(UTC) - timedelta(hours=1)
                await put(runtime, order_body(8001, placed, code=ana.advocate.friend_code), "c-1")
                await process(runtime)
        finally:
            await store_db.close_db()

    asyncio.run(build())


def test_program_show_and_set_with_field_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    _shop_with_a_referral(cli_env)
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(json.dumps({**PROGRAM, "hold_days": "soon"}))
    good.write_text(json.dumps({**PROGRAM, "hold_days": 30}))

    shown = run_cli(cli_env, "program", "show", "--shop", SHOP)
    refused = run_cli(cli_env, "program", "set", "--shop", SHOP, str(bad))
    saved = run_cli(cli_env, "program", "set", "--shop", SHOP, str(good), "--by", "maria")

    assert shown.returncode == 0, shown.stderr
    assert (json.loads(shown.stdout)["version"], json.loads(shown.stdout)["hold_days"]) == (1, 14)
    assert (refused.returncode, refused.stderr) == (
        2,
        f"error: {bad} is not a valid program: hold_days: must be an integer, got 'soon'\n",
    )
    assert saved.stdout.strip() == f"saved version 2 of {SHOP}'s program"


def test_advocates_referrals_and_the_review_queue(cli_env: dict[str, str]) -> None:
    _shop_with_a_referral(cli_env)

    enrolled = run_cli(cli_env, "advocates", "enrol", "--shop", SHOP, "--email", "ANA@example.org")
    listed = run_cli(cli_env, "referrals", "list", "--shop", SHOP, "--state", "pending")
    shown = run_cli(cli_env, "referrals", "show", "1")
    approve = run_cli(cli_env, "review", "approve", "--shop", SHOP, "1", "--by", "maria")
    reject = run_cli(
        cli_env, "review", "reject", "--shop", SHOP, "1", "--by", "maria", "--note", "Same home"
    )

    assert enrolled.stdout.startswith(f"advocate 1 already enrolled: https://{SHOP}/?ref=ANA-")
    assert "8001" in listed.stdout
    assert "pending" in listed.stdout
    assert shown.stdout.startswith(
        f"Order 8001 ({SHOP}) would be credited and held as pending, under program version 1."
    )
    assert "  [match] 1 discount code: Discount code ANA-" in shown.stdout
    assert "-> pending (created) by delivery 1" in shown.stdout
    assert (approve.returncode, approve.stderr.split(":")[:2]) == (
        1,
        ["error", " illegal_transition"],
    )
    assert reject.stdout.strip() == "referral 1: pending -> rejected"
    after = run_cli(cli_env, "referrals", "show", "1")
    assert "pending -> rejected (reject) by person maria Same home" in after.stdout
