"""On a seeded PostgreSQL database, no query the worker or the admin API issues scans a large table.

Every statement Tortoise sends while orders are processed, the worker's periodic jobs run and
each admin endpoint answers is captured (with its parameters) and EXPLAINed; a sequential scan of
a table holding more than LARGE rows fails the test, naming the query.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from bench.seed import Seed, seed_sql
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.store.db import conn
from connector.store.models import Advocate, Delivery, Referral, Shop
from tests.admin.conftest import PROGRAM, bearer
from tests.conftest import Clock
from tests.shopify.factories import install_on_fake, installed_shop
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, order, signed_headers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

LARGE = 10_000
BIG_SHOP = "big-shop.myshopify.com"
# A cap per period, so the windowed count runs too.
CAPPED: dict[str, Any] = {**PROGRAM, "caps": {"per_period": 50, "period_days": 30}}


class Captured(logging.Handler):
    """Keeps every (SQL, parameters) pair Tortoise logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: dict[str, list[Any]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            values = list(args[1] or [])
            if values and isinstance(values[0], list | tuple):
                values = list(values[0])  # executemany (bulk_create): the first row's values
            self.queries.setdefault(args[0], values)


@contextmanager
def capture() -> Iterator[Captured]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = Captured(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    """The relations a plan (EXPLAIN FORMAT JSON node) reads with a sequential scan."""
    if plan.get("Node Type") == "Seq Scan":
        yield str(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        yield from seq_scans(child)


async def large_tables() -> set[str]:
    rows = await conn().execute_query_dict(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > $1", [LARGE]
    )
    return {row["relname"] for row in rows}


async def seed(shop: Shop, big: Shop) -> None:
    statements = seed_sql(Seed(big.id, big.domain, advocates=5_000, referrals=10))
    statements += seed_sql(Seed(shop.id, shop.domain, advocates=300, referrals=5))
    for statement in statements:
        await conn().execute_script(statement)
    await conn().execute_script("ANALYZE")


async def post_order(client: httpx.AsyncClient, body: dict[str, Any], topic: str, key: str) -> None:
    raw = encode(body)
    answer = await client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, topic, key)
    )
    assert answer.status_code == 200


async def test_no_worker_or_admin_query_scans_a_large_table(
    runtime: Runtime, app_client: httpx.AsyncClient, fake_shopify: FakeShopify, clock: Clock
) -> None:
    # Given a shop and a big neighbour with tens of thousands of referrals and their rows
    shop = await install_on_fake(runtime, fake_shopify)
    await save_program(runtime, shop, CAPPED, actor="test")
    big = await installed_shop(runtime, shop=BIG_SHOP)
    await seed(shop, big)
    large = await large_tables()
    assert {"referral", "reward", "delivery", "ledger_entry", "referral_event"} <= large
    advocate = await Advocate.filter(shop_id=shop.id).order_by("id").first()
    assert advocate is not None
    worker = build_worker(runtime)
    headers = bearer()

    with capture() as captured:
        # When orders arrive: one by friend code, one by a claimed email, then a refund of one
        by_code = order(9001, codes=(advocate.friend_code,), email="new.friend@example.org")
        await post_order(app_client, by_code, "orders/paid", "w-1")
        claimed = f"claimed{advocate.id}@example.org"
        await post_order(app_client, order(9002, codes=(), email=claimed), "orders/paid", "w-2")
        refund = order(
            9002, codes=(), email=claimed, financial_status="refunded",
            updated_at="2026-11-21T10:15:00-05:00",
            refunds=[{"id": 1, "created_at": "2026-11-21T10:15:00-05:00", "transactions": [
                {"kind": "refund", "status": "success", "amount": "120.00"}]}],
        )  # fmt: skip
        await post_order(app_client, refund, "orders/updated", "w-3")
        assert (await worker.drain()).get("done") == 3
        # ... the worker's jobs run after the hold (approve, issue, expire, contests, reconcile)
        clock.advance(days=15)
        await worker.run_periodic()
        # ... and the merchant opens every admin page
        referral = await Referral.filter(shop_id=shop.id, order_id="9001").first()
        assert referral is not None
        delivery = await Delivery.filter(shop_domain=shop.domain, delivery_key="w-1").first()
        assert delivery is not None
        last = (await Advocate.filter(shop_id=shop.id).order_by("-id").first()).id  # type: ignore[union-attr]
        for path in (
            "program", "program/versions", "program/versions/1", "program/presets",
            "advocates", f"advocates?cursor={last}", f"advocates/{advocate.id}",
            "referrals", "referrals?state=rewarded", f"referrals/{referral.id}", "review",
            "payouts", "payouts.csv", "deliveries", "deliveries?status=dead",
            "contests/none/leaderboard", "advocates?q=seed12", "advocates?q=Seed%201",
            f"advocates?q={advocate.friend_code}", "advocates?status=blocked",
            "referrals?since=2026-01-01&until=2030-01-01", f"referrals?advocate_id={advocate.id}",
            f"referrals?state=rejected&cursor={referral.id}", "overview", "settings", "partners",
            "program/diff?from=1",
        ):  # fmt: skip
            answer = await app_client.get(f"/admin/api/{path}", headers=headers)
            assert answer.status_code in (200, 404), (path, answer.text)
        for path, body in (
            ("simulate", {"subtotal": "80.00", "code": advocate.friend_code}),
            (f"advocates/{advocate.id}/points", {"points": 5, "reason": "x", "request_key": "k1"}),
            (f"advocates/{advocate.id}/rewards",
             {"kind": "store_credit", "value": "5", "reason": "x", "request_key": "k2"}),
            (f"advocates/{advocate.id}/block", {"reason": "x"}),
        ):  # fmt: skip
            answer = await app_client.post(f"/admin/api/{path}", headers=headers, json=body)
            assert answer.status_code in (200, 201), (path, answer.text)
        answer = await app_client.post(
            f"/admin/api/deliveries/{delivery.id}/replay", headers=headers
        )
        assert answer.status_code == 202, answer.text
        answer = await app_client.post(
            f"/admin/api/referrals/{referral.id}/reject", headers=headers, json={"note": "test"}
        )
        assert answer.status_code in (200, 409), answer.text

    # Then no captured query reads a large table from start to end
    assert len(captured.queries) > 40
    scans = []
    for query, values in captured.queries.items():
        if not query.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")):
            continue
        rows = await conn().execute_query_dict(f"EXPLAIN (FORMAT JSON) {query}", values)
        plan = rows[0]["QUERY PLAN"]
        plan = plan if isinstance(plan, list) else json.loads(plan)
        found = set(seq_scans(plan[0]["Plan"])) & large
        if found:
            scans.append(f"{sorted(found)}: {query}")
    assert scans == []
