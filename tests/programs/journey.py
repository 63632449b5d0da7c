"""The steps every program-type journey takes: save the program, a signed orders/paid webhook
through the app, the worker, the end of the hold, and what the store and the rows then hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from connector.domain.program import Program, parse_program, program_to_dict
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Advocate, Delivery, Referral, ReferralEvent, Shop
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, order, signed_headers


def iso(moment: datetime) -> str:
    """A time as Shopify writes it: UTC with a Z."""
    return moment.isoformat().replace("+00:00", "Z")


def gid(kind: str, legacy_id: int | str) -> str:
    """A Shopify global id."""
    return f"gid://shopify/{kind}/{legacy_id}"


async def save(runtime: Runtime, shop: Shop, program: Program) -> Program:
    """Save `program` through the programs service (validated, numbered) and return it as saved."""
    row = await save_program(runtime, shop, program_to_dict(program), actor="test")
    return parse_program(row.config)


async def enrol(
    runtime: Runtime, shop: Shop, fake: FakeShopify, name: str, customer: int
) -> Advocate:
    """Enrol a shopper who is also a customer of the fake store (so store credit can reach them)."""
    email = f"{name.lower()}@example.org"
    fake.add_customer(email, customer_id=customer)
    enrolment = await enrol_advocate(
        runtime, shop, email=email, customer_id=str(customer), name=name
    )
    return enrolment.advocate


def combines(
    *, order: bool = False, product: bool = False, shipping: bool = True
) -> dict[str, bool]:
    """The combinesWith input of a discount (by default the program's default combinations)."""
    return {"orderDiscounts": order, "productDiscounts": product, "shippingDiscounts": shipping}


def new_customers(fake: FakeShopify) -> dict[str, Any]:
    """The discount context of codes for new customers only: the store's no-orders segment."""
    return {"customerSegments": {"add": [fake.segments[0]["id"]]}}


def friend_code_input(
    code: str,
    now: datetime,
    context: dict[str, Any],
    percent: float,
    combined: dict[str, bool] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The discountCodeBasicCreate input of a shared friend code with a percentage off."""
    return {
        "input": {
            "title": f"Referral: friend offer ({code})",
            "code": code,
            "startsAt": iso(now),
            "context": context,
            "usageLimit": None,
            "appliesOncePerCustomer": True,
            "combinesWith": combined or combines(),
            **extra,
            "customerGets": {"value": {"percentage": percent}, "items": {"all": True}},
        }
    }


def paid_order(
    order_id: int,
    placed: datetime,
    *,
    friend: int,
    email: str,
    total: str,
    code: str | None = None,
) -> dict[str, Any]:
    """An orders/paid body in USD placed at `placed`, using `code` if given and no landing link."""
    body = order(
        order_id, email=email, customer_id=friend, codes=(code,) if code else (),
        total=total, subtotal=total, currency="USD", updated_at=iso(placed),
    )  # fmt: skip
    body.update(created_at=iso(placed), landing_site=None, landing_site_ref=None)
    return body


async def post_paid(app_client: httpx.AsyncClient, body: dict[str, Any], webhook_id: str) -> int:
    """POST the body as a signed orders/paid webhook; the stored delivery's id."""
    raw = encode(body)
    headers = signed_headers(raw, "orders/paid", webhook_id)
    answer = await app_client.post("/webhooks/shopify", content=raw, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"ok": True, "duplicate": False})
    return (await Delivery.get(delivery_key=webhook_id)).id


async def process(runtime: Runtime) -> dict[str, int]:
    """Run the worker over the inbox until nothing is due."""
    return await build_worker(runtime).drain()


async def end_hold(runtime: Runtime, clock: Clock, **past: float) -> tuple[int, int]:
    """Move the clock by `past`, then approve due referrals and issue due rewards: (approved, settled)."""
    clock.advance(**past)
    return await approve_due_referrals(runtime), await issue_due_rewards(runtime)


def plans(referral: Referral) -> list[tuple[str, str, str, str | None, int | None, str]]:
    """The referral's planned rewards as (side, beneficiary, kind, money, points, stage)."""
    return [
        (
            p["side"],
            p["beneficiary"],
            p["kind"],
            p["money"]["amount"] if p["money"] else None,
            p["points"],
            p["stage"],
        )
        for p in referral.reward_plans
    ]


def signals(referral: Referral) -> list[tuple[str, str, str | None, bool, str]]:
    """The referral's evidence as (signal, value, advocate, matched, reason)."""
    return [
        (e["signal"], e["value"], e["advocate_id"], e["matched"], e["reason"])
        for e in referral.evidence
    ]


def matched(referral: Referral) -> list[tuple[str, str, str | None]]:
    """The evidence that counted for the referral as (signal, value, advocate)."""
    return [(e["signal"], e["value"], e["advocate_id"]) for e in referral.evidence if e["matched"]]


async def transitions(referral: Referral) -> list[tuple[str | None, str, str, str, str]]:
    """The referral's recorded transitions as (from, to, event, cause kind, cause ref)."""
    rows = await ReferralEvent.filter(referral_id=referral.id).order_by("id")
    return [(r.from_state, r.to_state, r.event, r.cause_kind, r.cause_ref) for r in rows]


# The transitions every held referral takes after it was created: approved, then rewarded.
APPROVED_AND_REWARDED = [
    ("pending", "approved", "hold_ended", "job", "approve_due_referrals"),
    ("approved", "rewarded", "rewards_issued", "job", "issue_due_rewards"),
]


def rewarded_by(delivery_id: int) -> list[tuple[str | None, str, str, str, str]]:
    """The transitions of a referral credited by a delivery, approved and rewarded by the jobs."""
    return [(None, "pending", "created", "delivery", str(delivery_id)), *APPROVED_AND_REWARDED]


def sent(fake: FakeShopify, operation: str) -> list[dict[str, Any]]:
    """The variables of every request whose root field was `operation`, in order."""
    return [c.variables for c in fake.calls if c.root_fields[0] == operation]


def credit(customer: int | str, amount: str, currency: str = "USD") -> dict[str, Any]:
    """The storeCreditAccountCredit variables crediting `amount` to a customer."""
    money = {"amount": amount, "currencyCode": currency}
    return {"id": gid("Customer", customer), "creditInput": {"creditAmount": money}}


def amount_off_input(code: str, now: datetime, customer: int, amount: str) -> dict[str, Any]:
    """The discountCodeBasicCreate input of a reward: `amount` USD off once, for one customer."""
    return {
        "input": {
            "title": f"Referral reward: {amount} USD off ({code})",
            "code": code,
            "startsAt": iso(now),
            "context": {"customers": {"add": [gid("Customer", customer)]}},
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "combinesWith": combines(),
            "customerGets": {
                "value": {"discountAmount": {"amount": amount, "appliesOnEachItem": False}},
                "items": {"all": True},
            },
        }
    }
