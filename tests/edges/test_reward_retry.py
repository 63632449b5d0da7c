"""A reward failed by a store outage is queued again after the outage, from the CLI and from the
admin API, and reaches the store exactly once; while it is failed, it says why and what to do."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.rewards.actions import code_for
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Reward, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock, make_env
from tests.rewards.factories import ANA_CUSTOMER, advocate, referral, reward
from tests.support.fake_shopify import FakeShopify
from tests.test_cli import run_cli

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def _failed_by_an_outage(
    runtime: Runtime, shop: Shop, fake: FakeShopify, clock: Clock
) -> Reward:
    """Ana's 10 EUR reward, tried while the store is down until its attempts run out."""
    fake.add_customer("ana@example.org", customer_id=int(ANA_CUSTOMER))
    ana = await advocate(shop, clock.now)
    row = await reward(
        shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10",
        of=await referral(shop, ana, clock.now),
    )  # fmt: skip
    fake.down = True
    for _ in range(runtime.settings.worker.max_attempts):
        await issue_due_rewards(runtime)
        clock.advance(hours=2)
    failed = await Reward.get(id=row.id)
    assert (failed.status, failed.reason) == ("failed", "attempts_exhausted")
    assert failed.last_error is not None
    assert "HTTP 503" in failed.last_error
    fake.down = False
    return failed


def _created(fake: FakeShopify) -> int:
    return sum(1 for c in fake.calls if "discountCodeBasicCreate" in c.root_fields)


async def test_a_failed_reward_logs_why_and_how_to_queue_it_again(
    runtime: Runtime,
    shop: Shop,
    fake_shopify: FakeShopify,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="connector.issuing")

    failed = await _failed_by_an_outage(runtime, shop, fake_shopify, clock)

    lines = [r.getMessage() for r in caplog.records if r.name == "connector.issuing"]
    assert lines[0].startswith(
        f"reward {failed.id} (fixed_amount_discount advocate) of {shop.domain} failed"
        " (attempts_exhausted): PlatformUnavailable: "
    )
    assert lines[0].endswith(f"queue it again with `connector rewards retry {failed.id}`")
    assert lines[1].startswith(f"{shop.domain}: rewards have started failing (reward {failed.id})")
    assert len(lines) == 2


async def test_after_the_outage_the_cli_queues_it_and_it_is_issued_exactly_once(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock, tmp_path: Path,
    database_url: str,
) -> None:  # fmt: skip
    failed = await _failed_by_an_outage(runtime, shop, fake_shopify, clock)
    env = make_env(tmp_path, database_url)
    shown = await asyncio.to_thread(run_cli, env, "referrals", "show", str(failed.referral_id))
    assert f"reward {failed.id}: advocate fixed_amount_discount 10.0000 EUR failed" in shown.stdout
    assert "(attempts_exhausted: PlatformUnavailable: " in shown.stdout
    assert f"`connector rewards retry {failed.id}`)" in shown.stdout

    retried = await asyncio.to_thread(run_cli, env, "rewards", "retry", str(failed.id))

    assert (retried.returncode, retried.stdout.strip()) == (0, "queued 1 rewards again")
    assert await issue_due_rewards(runtime) == 1
    assert await issue_due_rewards(runtime) == 0
    issued = await Reward.get(id=failed.id)
    assert (issued.status, issued.reason) == ("issued", None)
    assert list(fake_shopify.discounts) == [code_for(runtime, failed.idempotency_key).casefold()]
    assert _created(fake_shopify) == 1
    again = await asyncio.to_thread(run_cli, env, "rewards", "retry", str(failed.id))
    assert (again.returncode, again.stderr) == (
        1, f"error: reward {failed.id} is issued, not failed\n"
    )  # fmt: skip


async def test_after_the_outage_the_admin_api_queues_it_and_it_is_issued_exactly_once(
    runtime: Runtime,
    shop: Shop,
    fake_shopify: FakeShopify,
    clock: Clock,
    app_client: httpx.AsyncClient,
) -> None:
    failed = await _failed_by_an_outage(runtime, shop, fake_shopify, clock)
    alerts = (await app_client.get("/admin/api/alerts", headers=bearer())).json()["alerts"]
    assert [(a["kind"], a["count"]) for a in alerts] == [("rewards_failing", 1)]
    detail = await app_client.get(f"/admin/api/referrals/{failed.referral_id}", headers=bearer())
    assert detail.json()["rewards"][0]["last_error"] == failed.last_error

    answer = await app_client.post(f"/admin/api/rewards/{failed.id}/retry", headers=bearer())
    racing = await app_client.post(f"/admin/api/rewards/{failed.id}/retry", headers=bearer())

    assert (answer.status_code, answer.json()) == (202, {"id": failed.id, "status": "pending"})
    assert (racing.status_code, racing.json()) == (
        409, {"error": f"reward {failed.id} is pending, not failed"}
    )  # fmt: skip
    assert await issue_due_rewards(runtime) == 1
    assert (await Reward.get(id=failed.id)).status == "issued"
    assert _created(fake_shopify) == 1
    assert (await app_client.get("/admin/api/alerts", headers=bearer())).json() == {"alerts": []}
    missing = await app_client.post("/admin/api/rewards/999/retry", headers=bearer())
    assert (missing.status_code, missing.json()) == (404, {"error": "no reward 999"})
