"""`connector loyalty import` as an operator runs it: a real process, a real database, CSV files
in Smile.io's, LoyaltyLion's and the generic shape; a second run changes nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from connector.crypto import Vault
from connector.domain.program import program_to_dict
from connector.domain.program.presets import LOYALTY
from connector.settings import load_settings
from connector.store import db as store_db
from connector.store.models import Advocate, LedgerEntry, ProgramVersion, Reward, Shop
from tests.rewards.test_cli import SHOP
from tests.test_cli import cli_env, run_cli  # noqa: F401 - the fixture is used by name

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def seed(env: dict[str, str]) -> None:
    """A sandbox shop on the loyalty preset, and Ana, a member with customer id 7001."""

    async def run() -> None:
        await store_db.init_db(load_settings(env).database_url)
        try:
            token = Vault(load_settings(env).encryption_keys).encrypt("sandbox-token")
            shop = await Shop.create(platform="sandbox", domain=SHOP, access_token=token)
            await ProgramVersion.create(
                shop=shop, version=1, config=program_to_dict(LOYALTY), created_at=AT
            )
            await Advocate.create(
                shop=shop, name="Ana", email="ana@example.org", email_normalized="ana@example.org",
                customer_id="7001", friend_code="ANA-7KQ4", share_token="share-ana", created_at=AT,
            )  # fmt: skip
        finally:
            await store_db.close_db()

    asyncio.run(run())


def state(env: dict[str, str]) -> dict[str, tuple[int, str | None, int]]:
    """Each member by email: (points, tier, perk rewards)."""

    async def run() -> dict[str, tuple[int, str | None, int]]:
        await store_db.init_db(load_settings(env).database_url)
        try:
            out = {}
            for member in await Advocate.all().order_by("id"):
                rows = await LedgerEntry.filter(advocate_id=member.id)
                perks = await Reward.filter(
                    advocate_id=member.id, idempotency_key__startswith="vip:"
                ).count()
                out[str(member.email)] = (sum(r.points for r in rows), member.vip_tier, perks)
            return out
        finally:
            await store_db.close_db()

    return asyncio.run(run())


def test_smile_then_loyaltylion_exports_import_once_with_a_report_of_rejected_rows(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    seed(cli_env)
    smile = tmp_path / "smile.csv"
    smile.write_text("email,points\nana@example.org,1200\nnot-an-email,5\nluis@example.org,12x\n")

    first = run_cli(cli_env, "loyalty", "import", "--shop", SHOP, str(smile))
    again = run_cli(cli_env, "loyalty", "import", "--shop", SHOP, str(smile))

    # One row imported; the two bad lines are reported with why, and the exit code says so
    assert first.returncode == 1, first.stderr
    assert "smile: 1 imported (1200 points), 0 unchanged, 2 rejected" in first.stdout
    assert "'not-an-email' is not an email address" in first.stdout
    assert "points must be a whole number from 0, got '12x'" in first.stdout
    assert "smile: 0 imported (0 points), 1 unchanged, 2 rejected" in again.stdout
    assert state(cli_env) == {"ana@example.org": (1200, None, 0)}

    # LoyaltyLion's export: Ana's balance is now 1500 (300 more) and she is Silver; a new
    # member arrives in Gold with its perks; a tier the program does not have is rejected
    lion = tmp_path / "loyaltylion.csv"
    lion.write_text(
        "customer_id,email,points_approved,points_pending,tier\n"
        "7001,ana@example.org,1500,20,Silver\n"
        ",nuria@example.org,300,,Gold\n"
        ",pablo@example.org,10,,Platinum\n"
    )
    lion_run = run_cli(cli_env, "loyalty", "import", "--shop", SHOP, str(lion), "--json")
    assert lion_run.returncode == 1, lion_run.stderr
    report = json.loads(lion_run.stdout.strip().splitlines()[-1])
    assert (report["shape"], report["imported"], report["points_added"]) == ("loyaltylion", 2, 600)
    assert report["rejected"] == [
        {"line": 4, "reason": "no tier 'Platinum' (the program has Bronze, Silver, Gold)"}
    ]
    assert state(cli_env) == {
        "ana@example.org": (1500, "Silver", 1),  # Silver's free-shipping code
        "nuria@example.org": (300, "Gold", 2),  # Gold's 10% off and free-shipping codes
    }


def test_the_generic_shape_and_a_file_that_is_none_of_them(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    seed(cli_env)
    generic = tmp_path / "points.csv"
    generic.write_text("email,customer_id,points,tier\n,7001,250,\n")
    unknown = tmp_path / "other.csv"
    unknown.write_text("name,balance\nAna,3\n")

    done = run_cli(cli_env, "loyalty", "import", "--shop", SHOP, str(generic))
    refused = run_cli(cli_env, "loyalty", "import", "--shop", SHOP, str(unknown))

    assert done.returncode == 0, done.stderr
    assert "generic: 1 imported (250 points), 0 unchanged, 0 rejected" in done.stdout
    assert refused.returncode == 2
    assert "the header row names no known shape" in refused.stderr
    assert state(cli_env)["ana@example.org"] == (250, None, 0)
