"""On a seeded PostgreSQL database, no query the worker or the admin API issues scans a large table.

Every statement Tortoise sends while orders are processed, the worker's periodic jobs run and
each admin endpoint answers is captured (with its parameters) and EXPLAINed (ANALYZE, in a
transaction rolled back). On a table holding more than LARGE rows, the test fails naming the
query when the plan
- reads the table with a sequential scan, or
- uses an index on a prefix only: the index holds a column the query compares for equality but
  the scan searches it by fewer columns and filters the rest, or the filter throws away WASTE
  rows or more on an equality no index condition covered (an index over all of them is missing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

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
from tests.support.sql_capture import capture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

LARGE = 10_000
BIG_SHOP = "big-shop.myshopify.com"
# A cap per period, so the windowed count runs too.
CAPPED: dict[str, Any] = {**PROGRAM, "caps": {"per_period": 50, "period_days": 30}}


def seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    """The relations a plan (EXPLAIN FORMAT JSON node) reads with a sequential scan."""
    if plan.get("Node Type") == "Seq Scan":
        yield str(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        yield from seq_scans(child)


# An equality a scan could have used its index for: `col = x`, `(col)::text = ANY (...)`.
_EQUALITY = re.compile(r"\(*([a-z_][a-z0-9_]*)\)?(?:::[a-z ]+)?\)? = (?:ANY )?")
# Rows an index scan may read and throw away on an equality its index did not cover.
WASTE = 100


def equality_columns(condition: str | None) -> set[str]:
    """The columns a plan's condition compares for equality (`=` or `= ANY`; not <>, <=, >=)."""
    return set(_EQUALITY.findall(condition or ""))


@dataclass(frozen=True)
class PrefixScan:
    """An index scan that filters on an equality its index condition does not cover."""

    table: str
    index: str
    covered: frozenset[str]  # the equality columns of the index condition
    left: frozenset[str]  # the equality columns left to the filter
    removed: int  # rows the filter threw away (EXPLAIN ANALYZE), -1 when not measured


def prefix_scans(plan: dict[str, Any]) -> Iterator[PrefixScan]:
    """The plan's index scans whose filter compares a column for equality that their index
    condition does not: the index was used on a prefix of what the query pins down."""
    kind = plan.get("Node Type")
    if kind in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
        if kind == "Bitmap Heap Scan":
            inner = [c for c in plan.get("Plans", ()) if c.get("Node Type") == "Bitmap Index Scan"]
            index = ",".join(str(c.get("Index Name")) for c in inner)
            covered = set().union(*(equality_columns(c.get("Index Cond")) for c in inner))
        else:
            index = str(plan.get("Index Name"))
            covered = equality_columns(plan.get("Index Cond"))
        left = equality_columns(plan.get("Filter")) - covered
        if left:
            removed = plan.get("Rows Removed by Filter")
            loops = int(plan.get("Actual Loops", 1) or 1)
            measured = -1 if removed is None else int(removed) * loops
            yield PrefixScan(
                str(plan["Relation Name"]), index, frozenset(covered), frozenset(left), measured
            )
    for child in plan.get("Plans", ()):
        yield from prefix_scans(child)


async def index_columns() -> dict[str, tuple[str, ...]]:
    """Each index of the database by name: its key columns in order."""
    rows = await conn().execute_query_dict(
        """SELECT i.relname AS name, array_agg(a.attname ORDER BY k.n) AS columns
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
        JOIN pg_namespace s ON s.oid = i.relnamespace WHERE s.nspname = 'public'
        GROUP BY i.relname"""
    )
    return {row["name"]: tuple(row["columns"]) for row in rows}


def prefix_problem(scan: PrefixScan, indexes: dict[str, tuple[str, ...]]) -> str | None:
    """Why `scan` is wrong, or None: the index it used holds a filtered column it did not
    search by (only its prefix was used), or the filter threw away WASTE rows or more (an
    index over all the equality columns should exist)."""
    used = set().union(*(set(indexes.get(name, ())) for name in scan.index.split(",")))
    skipped = scan.left & used
    if skipped:
        return f"uses only a prefix of {scan.index}, not its {sorted(skipped)}"
    if scan.removed >= WASTE:
        return (
            f"reads {scan.removed} rows through {scan.index} on {sorted(scan.covered)} and"
            f" drops them on {sorted(scan.left)}: no index covers all of them"
        )
    return None


class _Undo(Exception):
    def __init__(self, plan: Any) -> None:
        self.plan = plan


async def explain(query: str, values: list[Any]) -> dict[str, Any]:
    """The statement's plan, executed (EXPLAIN ANALYZE) in a transaction that is rolled back
    so that rows thrown away are counted; the estimated plan if it cannot run again now."""
    try:
        async with in_transaction() as tx:
            rows = await tx.execute_query_dict(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", values)
            raise _Undo(rows[0]["QUERY PLAN"])
    except _Undo as undo:
        plan = undo.plan
    except Exception:  # e.g. an insert whose row exists now: plan it without running it
        rows = await conn().execute_query_dict(f"EXPLAIN (FORMAT JSON) {query}", values)
        plan = rows[0]["QUERY PLAN"]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    found: dict[str, Any] = plan[0]["Plan"]
    return found


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
        referral = await Referral.get_or_none(shop_id=shop.id, qualifying_key="order:9001")
        assert referral is not None
        delivery = await Delivery.get_or_none(
            platform="shopify", shop_domain=shop.domain, delivery_key="w-1"
        )
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
    indexes = await index_columns()
    scans: list[str] = []
    prefixes: list[str] = []
    for query, values in captured.queries.items():
        if not query.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")):
            continue
        plan = await explain(query, values)
        found = set(seq_scans(plan)) & large
        if found:
            scans.append(f"{sorted(found)}: {query}")
        for scan in prefix_scans(plan):
            problem = prefix_problem(scan, indexes)
            if scan.table in large and problem:
                prefixes.append(f"{scan.table} {problem}: {query}")
    assert scans == []
    assert prefixes == [], "\n".join(prefixes)


def _scan(index_cond: str, filter_: str, removed: int | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "Node Type": "Index Scan", "Relation Name": "reward", "Index Name": "reward_shop_code",
        "Index Cond": index_cond, "Filter": filter_,
    }  # fmt: skip
    if removed is not None:
        node["Rows Removed by Filter"] = removed
    return {"Node Type": "ModifyTable", "Plans": [node]}


INDEXES: dict[str, tuple[str, ...]] = {
    "reward_shop_code": ("shop_id", "code"),
    "reward_shop_key": ("shop_id", "key"),
}


def test_an_index_used_on_its_prefix_only_is_a_problem_whatever_the_rows() -> None:
    # The reward update by `code IN (...)` that the issue names, searching the shop's rewards only
    plan = _scan("(shop_id = 7)", "(((code)::text = ANY ('{A,B}'::text[])) AND (used_at IS NULL))")
    [scan] = prefix_scans(plan)
    assert (set(scan.covered), set(scan.left)) == ({"shop_id"}, {"code"})
    assert (
        prefix_problem(scan, INDEXES) == "uses only a prefix of reward_shop_code, not its ['code']"
    )


def test_a_filter_that_throws_rows_away_asks_for_a_fuller_index() -> None:
    plan = _scan("(shop_id = 7)", "((code)::text = 'A'::text)", removed=1500)
    plan["Plans"][0]["Index Name"] = "reward_shop_key"
    [scan] = prefix_scans(plan)
    assert "reads 1500 rows through reward_shop_key" in str(prefix_problem(scan, INDEXES))
    few = _scan("(shop_id = 7)", "((code)::text = 'A'::text)", removed=3)
    few["Plans"][0]["Index Name"] = "reward_shop_key"
    assert [prefix_problem(s, INDEXES) for s in prefix_scans(few)] == [None]


def test_a_full_index_condition_and_inequalities_are_no_problem() -> None:
    full = _scan("((shop_id = 7) AND ((code)::text = ANY ('{A}'::text[])))", "(used_at IS NULL)")
    assert list(prefix_scans(full)) == []
    others = _scan("(shop_id = 7)", "((status)::text <> 'x'::text) AND (attempts >= 3)", 5000)
    assert list(prefix_scans(others)) == []
