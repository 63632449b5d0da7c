"""CSV exports: from the admin API (streamed) and from `connector export` (a progress bar)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from connector.services.analytics import exports
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.store.models import Advocate, Shop
from tests.admin.conftest import bearer
from tests.analytics.helpers import send, shop_order
from tests.conftest import Clock
from tests.rewards.test_cli import SHOP as CLI_SHOP
from tests.rewards.test_cli import seeded
from tests.support.fake_shopify import FakeShopify
from tests.test_cli import cli_env, run_cli  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_admin_exports_referrals_advocates_rewards_and_daily_kpis(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop,
    fake_shopify: FakeShopify, clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Given two advocates (one whose name a spreadsheet would run) and a referred order;
    # read two rows at a time, so the export pages through its keyset.
    monkeypatch.setattr(exports, "CHUNK", 2)
    ana = (await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")).advocate
    await enrol_advocate(runtime, program_shop, email="eve@example.org", name="=HYPERLINK(1)")
    await enrol_advocate(runtime, program_shop, email="bea@example.org", name="Bea")
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=7701)
    body = shop_order(9001, 7701, "lucia@example.org", "100.00", "2026-11-20T15:00:00Z",
                      codes=(ana.friend_code,))  # fmt: skip
    await send(app_client, runtime, body, "wh-1")

    # When the merchant downloads each export
    def get(path: str) -> httpx.Response:
        return app_client.get(f"/admin/api/exports/{path}", headers=bearer())  # type: ignore[return-value]

    advocates = await get("advocates.csv")
    referrals = await get("referrals.csv")
    kpis = await get("kpis.csv?start=2026-11-19&end=2026-11-21")

    # Then each is a CSV attachment with every row, formulas defused
    assert advocates.headers["content-type"] == "text/csv; charset=utf-8"
    assert advocates.headers["content-disposition"] == 'attachment; filename="advocates.csv"'
    rows = table(advocates.text)
    assert [(r["name"], r["email"], r["live_referrals"]) for r in rows] == [
        ("Ana", "ana@example.org", "1"), ("'=HYPERLINK(1)", "eve@example.org", "0"),
        ("Bea", "bea@example.org", "0"),
    ]  # fmt: skip
    assert list(rows[0]) == list(exports.columns("advocates"))
    [referral] = table(referrals.text)
    assert (referral["order_id"], referral["state"], referral["advocate_id"]) == (
        "9001", "pending", str(ana.id)
    )
    assert (referral["order_total"], referral["friend_email"]) == ("100.0000", "lucia@example.org")
    days = {r["day"]: r for r in table(kpis.text)}
    assert list(days) == ["2026-11-19", "2026-11-20", "2026-11-21"]
    assert (days["2026-11-20"]["orders"], days["2026-11-20"]["revenue"]) == ("1", "100.00")
    assert days["2026-11-20"]["referred_revenue"] == "100.00"
    assert (days["2026-11-19"]["orders"], days["2026-11-19"]["revenue"]) == ("0", "0.00")


async def test_an_unknown_export_is_a_404_that_names_the_known_ones(
    app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    answer = await app_client.get("/admin/api/exports/orders.csv", headers=bearer())

    assert answer.status_code == 404
    assert answer.json()["error"] == (
        "no export 'orders': use one of referrals, advocates, rewards, kpis"
    )


def test_connector_export_writes_the_csv_and_shows_progress(
    cli_env: dict[str, str], tmp_path: Path,  # noqa: F811
) -> None:  # fmt: skip
    async def nothing(shop: Shop, ana: Advocate) -> None:
        return None

    seeded(cli_env, nothing)
    target = tmp_path / "advocates.csv"

    done = run_cli(cli_env, "export", "advocates", "--shop", CLI_SHOP, "--output", str(target))
    shown = run_cli(cli_env, "analytics", "show", "--shop", CLI_SHOP, "--start", "2026-11-01",
                    "--end", "2026-11-30", "--json")  # fmt: skip
    wrong = run_cli(cli_env, "export", "kpis", "--shop", CLI_SHOP, "--start", "2026-12-01",
                    "--end", "2026-11-01")  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert [r["name"] for r in table(target.read_text())] == ["Ana"]
    assert f"advocates: 1 row of {CLI_SHOP} written to {target}" in done.stderr
    assert "1/1" in done.stderr  # the progress bar
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["figures"]["orders"] == 0
    assert wrong.returncode == 2
    assert wrong.stderr == "error: the period starts (2026-12-01) after it ends (2026-11-01)\n"
