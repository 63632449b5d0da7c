"""Rate limits: fixed windows counted in the database, refused with a retry time, hashed subjects."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from connector.services.base.ratelimit import Limit, hit, subject_key
from connector.services.base.runtime import Runtime
from connector.store.models import RateLimitCounter

JOIN_PER_IP = Limit("join", "ip", 3, 600)
JOIN_PER_SHOP = Limit("join", "shop", 5, 600)
# 100 s into a 600 s window.
AT = datetime.fromtimestamp(1_800_000_000 // 600 * 600 + 100, UTC)


async def test_hits_up_to_the_maximum_pass_and_the_next_is_refused_until_the_window_ends(runtime):
    verdicts = [await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT) for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert (verdicts[3].retry_after, verdicts[3].limit) == (500, JOIN_PER_IP)


async def test_the_next_window_starts_again(runtime):
    for _ in range(4):
        await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT)

    later = datetime.fromtimestamp(AT.timestamp() + 500, UTC)

    assert (await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], later)).allowed is True


async def test_subjects_are_counted_apart(runtime):
    for _ in range(3):
        await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT)

    assert (await hit(runtime, [(JOIN_PER_IP, "198.51.100.2")], AT)).allowed is True


async def test_a_shop_limit_refuses_many_ips_together(runtime):
    ips = [f"203.0.113.{n}" for n in range(6)]
    verdicts = [
        await hit(runtime, [(JOIN_PER_IP, ip), (JOIN_PER_SHOP, "sandbox:demo")], AT) for ip in ips
    ]

    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert verdicts[5].limit == JOIN_PER_SHOP


async def test_two_runtimes_on_one_database_share_the_count(runtime, settings):
    async with httpx.AsyncClient() as http:
        other = Runtime(settings, http)
        first = [await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT) for _ in range(2)]
        second = [await hit(other, [(JOIN_PER_IP, "203.0.113.7")], AT) for _ in range(2)]

    assert [v.allowed for v in first + second] == [True, True, True, False]


async def test_no_raw_ip_is_stored(runtime):
    await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT)

    rows = await RateLimitCounter.all().values("subject", "hits")

    assert rows == [{"subject": subject_key(runtime, JOIN_PER_IP, "203.0.113.7"), "hits": 1}]
    assert "203.0.113.7" not in rows[0]["subject"]


async def test_rows_of_ended_windows_are_purged_when_a_new_window_starts(runtime):
    await hit(runtime, [(JOIN_PER_IP, "203.0.113.7")], AT)
    later = datetime.fromtimestamp(AT.timestamp() + 600, UTC)

    await hit(runtime, [(JOIN_PER_IP, "198.51.100.2")], later)

    assert await RateLimitCounter.all().count() == 1
