"""Referrals over the admin API: lists by state, a referral's reasons, and review decisions.

Every referral here comes from a signed orders/paid webhook processed by the worker, so the
reasons the merchant reads are the ones the engine recorded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Advocate, Referral, ReferralEvent, Reward, Shop
from tests.admin.conftest import bearer, deliver_order
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import SHOP, order

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

THROWAWAY = "quick.friend@mailinator.com"
FRIEND_ID = 7700112233445566
ORDER_ID = "5500112233445566771"
ANA_ID = "7001"
PLACED = "2026-11-20T10:00:00-05:00"  # tests.support.shopify_payloads.order's created_at
STATES = ["pending", "flagged", "approved", "rewarded", "rejected", "reversed"]


@pytest.fixture
async def ana(runtime: Runtime, program_shop: Shop, fake_shopify: FakeShopify) -> Advocate:
    """An advocate who is also a customer of the store (so she could refer herself)."""
    fake_shopify.add_customer("ana@example.org", orders=1, customer_id=int(ANA_ID))
    fake_shopify.add_customer(THROWAWAY, orders=1, customer_id=FRIEND_ID)
    enrolled = await enrol_advocate(
        runtime, program_shop, email="ana@example.org", customer_id=ANA_ID, name="Ana"
    )
    return enrolled.advocate


async def flagged(client: httpx.AsyncClient, runtime: Runtime, ana: Advocate) -> int:
    """A friend with a disposable email buys with Ana's code: flagged (the default action)."""
    await deliver_order(client, runtime, order(codes=(ana.friend_code,), email=THROWAWAY), "wh-1")
    return (await Referral.get(order_id=ORDER_ID)).id


async def self_referred(client: httpx.AsyncClient, runtime: Runtime, ana: Advocate) -> int:
    """Ana buys with her own code: blocked, so the referral is made rejected."""
    body = order(42, codes=(ana.friend_code,), email="ana@example.org", customer_id=int(ANA_ID))
    await deliver_order(client, runtime, body, "wh-2")
    return (await Referral.get(order_id="42")).id


def row(referral_id: int, ana: Advocate, clock: Clock, **changes: Any) -> dict[str, Any]:
    """A referral in a list, as the flagged one is when it is made."""
    return {
        "id": referral_id,
        "order_id": ORDER_ID,
        "advocate_id": ana.id,
        "state": "flagged",
        "state_reason": "disposable_email",
        "winning_signal": "discount_code",
        "program_version": 1,
        "hold_until": (clock.now + timedelta(days=14)).isoformat(),
        "currency": "EUR",
        "order_total": "120.0000",
        "refunded": "0.0000",
        "created_at": clock.now.isoformat(),
        **changes,
    }


def evidence(ana: Advocate) -> list[dict[str, Any]]:
    """The four signals of an order with Ana's code and the payloads' landing ref."""
    code = ana.friend_code
    return [
        {"signal": "discount_code", "value": code, "advocate_id": str(ana.id),
         "touched_at": PLACED, "matched": True, "reason": "attributed",
         "message": f"Discount code {code} belongs to advocate {ana.id}."},
        {"signal": "cart_attribute", "value": "", "advocate_id": None, "touched_at": None,
         "matched": False, "reason": "no_signal", "message": "No referral in cart attributes."},
        {"signal": "landing_ref", "value": "ANA-7KQ", "advocate_id": None, "touched_at": None,
         "matched": False, "reason": "unknown_code",
         "message": "Landing link ref ANA-7KQ is not a referral code."},
        {"signal": "claimed_email", "value": "", "advocate_id": None, "touched_at": None,
         "matched": False, "reason": "no_signal",
         "message": "The friend's email has claimed no offer."},
    ]  # fmt: skip


def finding(reason: str, message: str, verdict: str = "pass", **detail: str) -> dict[str, Any]:
    """One finding as the API shows it."""
    return {"reason": reason, "verdict": verdict, "message": message, "detail": detail}


async def test_a_flagged_referral_shows_its_evidence_and_every_finding_with_its_reason(
    app_client: httpx.AsyncClient, runtime: Runtime, ana: Advocate, clock: Clock
) -> None:
    referral_id = await flagged(app_client, runtime, ana)
    delivery_id = (await app_client.get("/admin/api/deliveries", headers=bearer())).json()[
        "deliveries"
    ][0]["id"]

    answer = await app_client.get(f"/admin/api/referrals/{referral_id}", headers=bearer())

    body = answer.json()
    assert answer.status_code == 200
    assert body["referral"] == row(referral_id, ana, clock)
    assert body["evidence"] == evidence(ana)
    a = ana.id
    assert body["findings"] == [
        finding("attributed", f"Credited to advocate {a} by discount code (first touch {PLACED}).",
                advocate_id=str(a), signal="discount_code"),
        finding("not_paid", "The order is paid."),
        finding("test_order", "This is a real order, not a test."),
        finding("currency_mismatch", "The order is in the shop currency EUR."),
        finding("excluded_product", "No line is an excluded product."),
        finding("below_minimum", "The qualifying value 110.00 EUR meets the minimum of 20.00 EUR.",
                value="110.00", minimum="20.00"),
        finding("not_new_customer", "The friend is a new customer."),
        finding("self_referral", "The friend is a different customer from the advocate."),
        finding("same_email", "The friend's email differs from the advocate's."),
        finding("same_address", f"No address of advocate {a}'s is on record to compare with."),
        finding("same_ip", f"No IP address of advocate {a}'s is on record to compare with."),
        finding("same_user_agent",
                f"No browser (user agent) of advocate {a}'s is on record to compare with."),
        finding("disposable_email",
                f"The friend's email {THROWAWAY} uses a disposable domain."
                " The referral waits for a person to review it.", "flag", action="flag"),
        finding("velocity", f"Advocate {a} has 1 referral(s) within 24 hours (at most 5).",
                count="1"),
        finding("blocklist", "Neither the friend nor the advocate is on the shop's blocklist."),
    ]  # fmt: skip
    assert body["transitions"] == [
        {"at": clock.now.isoformat(), "from_state": None, "to_state": "flagged",
         "event": "created", "reason": "disposable_email", "cause_kind": "delivery",
         "cause_ref": str(delivery_id), "note": ""},
    ]  # fmt: skip
    assert body["rewards"] == []
    assert body["explanation"][:2] == [
        f"Order {ORDER_ID} ({SHOP}) would be credited but flagged for a person to review"
        " (disposable_email), under program version 1.",
        "State: flagged (disposable_email).",
    ]
    assert (
        f"  [FLAG   ] disposable_email: The friend's email {THROWAWAY} uses a disposable domain."
        " The referral waits for a person to review it."
    ) in body["explanation"]


async def test_a_rejected_referral_shows_the_checks_that_blocked_it(
    app_client: httpx.AsyncClient, runtime: Runtime, ana: Advocate, clock: Clock
) -> None:
    referral_id = await self_referred(app_client, runtime, ana)

    answer = await app_client.get(f"/admin/api/referrals/{referral_id}", headers=bearer())

    body = answer.json()
    assert body["referral"] == row(
        referral_id, ana, clock, order_id="42", state="rejected", state_reason="self_referral",
        hold_until=None,
    )  # fmt: skip
    assert [f for f in body["findings"] if f["verdict"] != "pass"] == [
        finding("self_referral",
                f"The friend is advocate {ana.id} themself (customer {ANA_ID})."
                " The referral is blocked.", "block", action="block"),
        finding("same_email",
                "The friend's email ana@example.org is the advocate's email once normalized."
                " The referral is blocked.", "block", action="block"),
    ]  # fmt: skip
    assert [(t["to_state"], t["reason"]) for t in body["transitions"]] == [
        ("rejected", "self_referral")
    ]
    assert body["explanation"][1] == "State: rejected (self_referral)."


async def test_referrals_are_listed_by_state_and_the_queue_holds_the_flagged_one(
    app_client: httpx.AsyncClient, runtime: Runtime, ana: Advocate, clock: Clock
) -> None:
    flagged_id = await flagged(app_client, runtime, ana)
    rejected_id = await self_referred(app_client, runtime, ana)

    every = await app_client.get("/admin/api/referrals", headers=bearer())
    rejected = await app_client.get("/admin/api/referrals?state=rejected", headers=bearer())
    pending = await app_client.get("/admin/api/referrals?state=pending", headers=bearer())
    queue = await app_client.get("/admin/api/review", headers=bearer())

    assert [r["id"] for r in every.json()["referrals"]] == [rejected_id, flagged_id]
    assert rejected.json() == {
        "referrals": [
            row(rejected_id, ana, clock, order_id="42", state="rejected",
                state_reason="self_referral", hold_until=None)
        ],
        "next_cursor": None,
    }  # fmt: skip
    assert pending.json() == {"referrals": [], "next_cursor": None}
    assert queue.json() == {"referrals": [row(flagged_id, ana, clock)]}


async def test_an_unknown_state_is_400_naming_the_states(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await app_client.get("/admin/api/referrals?state=open", headers=bearer())

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "unknown state 'open': use one of " + ", ".join(STATES),
        "valid": STATES,
    }


async def test_approving_records_the_staff_user_and_a_second_approval_is_409(
    app_client: httpx.AsyncClient, runtime: Runtime, ana: Advocate, clock: Clock
) -> None:
    referral_id = await flagged(app_client, runtime, ana)
    path = f"/admin/api/referrals/{referral_id}/approve"

    first = await app_client.post(path, headers=bearer(), json={"note": " Called the friend. "})
    again = await app_client.post(path, headers=bearer())

    assert (first.status_code, first.json()) == (
        200,
        {"id": referral_id, "from_state": "flagged", "to_state": "pending",
         "event": "review_approved", "actor": "42", "note": "Called the friend."},
    )  # fmt: skip
    assert (again.status_code, again.json()) == (
        409,
        {"error": "A pending referral cannot take 'review_approved'; it accepts cancel, flag,"
                  " hold_ended, partial_refund, refund, reject.",
         "reason": "illegal_transition", "state": "pending"},
    )  # fmt: skip
    detail = (await app_client.get(f"/admin/api/referrals/{referral_id}", headers=bearer())).json()
    assert detail["transitions"][1:] == [
        {"at": clock.now.isoformat(), "from_state": "flagged", "to_state": "pending",
         "event": "review_approved", "reason": "review_approved", "cause_kind": "person",
         "cause_ref": "42", "note": "Called the friend."},
    ]  # fmt: skip
    assert await ReferralEvent.filter(referral_id=referral_id).count() == 2
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1


async def test_rejecting_records_the_staff_user_and_nothing_is_issued(
    app_client: httpx.AsyncClient, runtime: Runtime, ana: Advocate, clock: Clock
) -> None:
    referral_id = await flagged(app_client, runtime, ana)

    answer = await app_client.post(
        f"/admin/api/referrals/{referral_id}/reject", headers=bearer(),
        json={"note": "Same household."},
    )  # fmt: skip

    assert answer.json() == {
        "id": referral_id, "from_state": "flagged", "to_state": "rejected",
        "event": "review_rejected", "actor": "42", "note": "Same household.",
    }  # fmt: skip
    detail = (await app_client.get(f"/admin/api/referrals/{referral_id}", headers=bearer())).json()
    assert (detail["referral"]["state"], detail["referral"]["state_reason"]) == (
        "rejected",
        "review_rejected",
    )
    assert [
        (t["event"], t["cause_kind"], t["cause_ref"], t["note"]) for t in detail["transitions"]
    ][1:] == [("review_rejected", "person", "42", "Same household.")]
    assert detail["explanation"][1] == "State: rejected (review_rejected)."
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 0
    assert await Reward.all().count() == 0


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b'{"note": ', 400, {"error": "body is not valid JSON"}),
        (
            b'{"note": 5, "by": "someone else"}',
            422,
            {
                "error": "invalid body",
                "fields": [
                    {"path": "by", "message": "is not a known field"},
                    {"path": "note", "message": "must be a string or null"},
                ],
            },
        ),
    ],
)
async def test_a_bad_review_body_is_refused_and_the_referral_stays_flagged(
    app_client: httpx.AsyncClient,
    runtime: Runtime,
    ana: Advocate,
    body: bytes,
    status: int,
    error: dict[str, Any],
) -> None:
    referral_id = await flagged(app_client, runtime, ana)

    answer = await app_client.post(
        f"/admin/api/referrals/{referral_id}/approve", headers=bearer(), content=body
    )

    assert (answer.status_code, answer.json()) == (status, error)
    assert (await Referral.get(id=referral_id)).state == "flagged"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/api/referrals/999"),
        ("POST", "/admin/api/referrals/999/approve"),
        ("POST", "/admin/api/referrals/999/reject"),
        ("GET", "/admin/api/referrals/99999999999999999999"),
    ],
)
async def test_an_unknown_referral_is_404(
    app_client: httpx.AsyncClient, shop: Shop, method: str, path: str
) -> None:
    answer = await app_client.request(method, path, headers=bearer())

    referral_id = path.split("/")[4]
    assert (answer.status_code, answer.json()) == (404, {"error": f"no referral {referral_id}"})
