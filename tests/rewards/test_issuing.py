"""The reward outbox against the fake Shopify: each reward reaches the store exactly once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.rewards.actions import CREDIT_SENT, CREDIT_UNCONFIRMED, code_for
from connector.services.rewards.issuing import confirm_store_credit, issue_due_rewards
from connector.store.models import Advocate, DiscountCode, Referral, ReferralEvent, Reward, Shop
from platforms.base import DiscountRef, DiscountSpec, StoreCredentials
from tests.conftest import Clock
from tests.rewards.factories import ANA_CUSTOMER, advocate, iso, referral, reward
from tests.support.fake_shopify import FakeShopify, data_response

ANA_GID = f"gid://shopify/Customer/{ANA_CUSTOMER}"


async def store_customer(shop: Shop, fake: FakeShopify, clock: Clock) -> Advocate:
    """Ana, an advocate who is also a customer of the (fake) store, so credit can reach her."""
    fake.add_customer("ana@example.org", customer_id=int(ANA_CUSTOMER))
    return await advocate(shop, clock.now)


async def test_discount_reward_is_created_once_with_the_exact_input(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    expires = clock.now + timedelta(days=30)
    row = await reward(
        shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10", expires_at=expires
    )
    code = code_for(runtime, "rw_test_0001")

    settled = await issue_due_rewards(runtime)

    assert settled == 1
    assert fake_shopify.operations == ["customer", "discountCodeBasicCreate"]
    assert fake_shopify.calls[1].variables["input"] == {
        "title": f"Referral reward: 10.00 EUR off ({code})",
        "code": code,
        "startsAt": iso(clock.now),
        "endsAt": iso(expires),
        "context": {"customers": {"add": [ANA_GID]}},
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": False,
            "shippingDiscounts": True,
        },
        "customerGets": {
            "value": {"discountAmount": {"amount": "10.00", "appliesOnEachItem": False}},
            "items": {"all": True},
        },
    }
    issued = await Reward.get(id=row.id)
    node_id = fake_shopify.discounts[code.casefold()].node_id
    assert (issued.status, issued.code, issued.platform_ref, issued.issued_at) == (
        "issued",
        code,
        node_id,
        clock.now,
    )
    assert (issued.lease_token, issued.attempts, issued.last_error) == (None, 1, None)
    tracked = await DiscountCode.get(shop=shop, code=code)
    assert (tracked.purpose, tracked.status, tracked.platform_id) == ("reward", "active", node_id)

    again = await issue_due_rewards(runtime)

    assert again == 0
    assert fake_shopify.operations == ["customer", "discountCodeBasicCreate"]


async def test_reward_code_is_deterministic_and_readable(runtime: Runtime) -> None:
    code = code_for(runtime, "rw_test_0001")

    assert code == code_for(runtime, "rw_test_0001")
    assert code != code_for(runtime, "rw_test_0002")
    assert code.startswith("REWARD-")
    assert len(code) == len("REWARD-ABCDE-FGHJK")


async def test_code_that_already_exists_is_read_back_as_success(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="percentage_discount", who=ana, amount="15")
    existing = fake_shopify.add_discount(code_for(runtime, row.idempotency_key))

    await issue_due_rewards(runtime)

    assert fake_shopify.operations == [
        "customer",
        "discountCodeBasicCreate",
        "codeDiscountNodeByCode",
    ]
    issued = await Reward.get(id=row.id)
    assert (issued.status, issued.platform_ref) == ("issued", existing.node_id)


async def test_store_outage_is_retried_later_then_succeeds(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now, email=None)
    row = await reward(shop, clock.now, kind="free_shipping", who=ana, currency=None)
    for _ in range(4):  # the Admin client's own tries, all answered 502
        fake_shopify.fail_next(502)

    first = await issue_due_rewards(runtime)

    waiting = await Reward.get(id=row.id)
    assert first == 0
    assert (waiting.status, waiting.attempts, waiting.lease_token) == ("pending", 1, None)
    assert waiting.last_error == f"PlatformUnavailable: {fake_shopify.shop} answered HTTP 502"
    assert waiting.next_attempt_at is not None
    assert waiting.next_attempt_at > clock.now
    assert await issue_due_rewards(runtime) == 0  # not due yet: nothing is sent

    clock.advance(seconds=60)
    second = await issue_due_rewards(runtime)

    issued = await Reward.get(id=row.id)
    assert second == 1
    assert (issued.status, issued.attempts, issued.last_error) == ("issued", 2, None)
    assert fake_shopify.operations == ["discountCodeFreeShippingCreate"] * 5


async def test_refused_discount_fails_with_the_stores_message(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now, email=None)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")
    refusal = {"field": ["basicCodeDiscount", "code"], "code": "INVALID", "message": "Code is bad"}
    payload = {"codeDiscountNode": None, "userErrors": [refusal]}
    fake_shopify.respond_next(data_response({"discountCodeBasicCreate": payload}))

    await issue_due_rewards(runtime)
    await issue_due_rewards(runtime)

    failed = await Reward.get(id=row.id)
    assert (failed.status, failed.last_error) == (
        "failed",
        "PlatformRejected: INVALID: Code is bad",
    )
    assert failed.issued_at is None
    assert fake_shopify.operations == ["discountCodeBasicCreate"]


async def test_store_credit_is_credited_once(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="store_credit", who=ana, amount="10")

    await issue_due_rewards(runtime)
    clock.advance(hours=1)
    await issue_due_rewards(runtime)

    issued = await Reward.get(id=row.id)
    assert fake_shopify.operations == ["storeCreditAccountCredit"]
    assert fake_shopify.calls[0].variables == {
        "id": ANA_GID,
        "creditInput": {"creditAmount": {"amount": "10.00", "currencyCode": "EUR"}},
    }
    assert fake_shopify.store_credit == {(ANA_GID, "EUR"): Decimal("10.00")}
    assert (issued.status, issued.reason) == ("issued", None)
    assert str(issued.platform_ref).startswith("gid://shopify/StoreCreditAccountCreditTransaction/")


async def test_store_credit_whose_answer_was_lost_is_never_sent_again(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="store_credit", who=ana, amount="10")

    def credited_then_lost(request: httpx.Request) -> httpx.Response:
        fake_shopify.store_credit[(ANA_GID, "EUR")] = Decimal("10.00")  # it reached Shopify
        return httpx.Response(502, text="HTTP 502")

    fake_shopify.respond_next(credited_then_lost)

    await issue_due_rewards(runtime)
    clock.advance(days=1)
    await issue_due_rewards(runtime)

    held = await Reward.get(id=row.id)
    assert fake_shopify.operations == ["storeCreditAccountCredit"]
    assert fake_shopify.store_credit == {(ANA_GID, "EUR"): Decimal("10.00")}
    assert (held.status, held.reason, held.platform_ref) == (
        "failed",
        CREDIT_UNCONFIRMED,
        CREDIT_SENT,
    )
    assert held.last_error == (
        "store credit of 10.0000 EUR may or may not have reached the store"
        f" (PlatformUnavailable: {fake_shopify.shop} answered HTTP 502); check the customer's"
        " store credit, then confirm or resend it"
    )

    status = await confirm_store_credit(runtime, row.id, landed=True, by="ops@example.org")

    confirmed = await Reward.get(id=row.id)
    assert status == "issued"
    assert (confirmed.status, confirmed.reason) == ("issued", None)
    assert fake_shopify.operations == ["storeCreditAccountCredit"]


async def test_store_credit_that_never_left_is_sent_again_later(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="store_credit", who=ana, amount="10")

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake_shopify.respond_next(*[refused] * 4)  # the Admin client's own tries, none connected

    await issue_due_rewards(runtime)

    waiting = await Reward.get(id=row.id)
    assert (waiting.status, waiting.platform_ref, waiting.attempts) == ("pending", None, 1)
    assert fake_shopify.store_credit == {}

    clock.advance(minutes=5)
    await issue_due_rewards(runtime)

    assert (await Reward.get(id=row.id)).status == "issued"
    assert fake_shopify.store_credit == {(ANA_GID, "EUR"): Decimal("10.00")}


async def test_store_credit_sent_by_a_crashed_worker_is_not_sent_again(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    # The worker marked the credit as sent, called the store and died before saving the answer.
    row = await reward(
        shop, clock.now, kind="store_credit", who=ana, amount="10", platform_ref=CREDIT_SENT,
        lease_token="dead-worker", lease_until=clock.now - timedelta(seconds=1), attempts=1,
    )  # fmt: skip

    await issue_due_rewards(runtime)

    held = await Reward.get(id=row.id)
    assert fake_shopify.operations == []
    assert (held.status, held.reason) == ("failed", CREDIT_UNCONFIRMED)


async def test_store_credit_confirmed_absent_is_sent_once_more(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(
        shop, clock.now, kind="store_credit", who=ana, amount="10", status="failed",
        reason=CREDIT_UNCONFIRMED, platform_ref=CREDIT_SENT, attempts=1,
    )  # fmt: skip

    await confirm_store_credit(runtime, row.id, landed=False, by="ops@example.org")
    await issue_due_rewards(runtime)
    await issue_due_rewards(runtime)

    assert fake_shopify.operations == ["storeCreditAccountCredit"]
    assert fake_shopify.store_credit == {(ANA_GID, "EUR"): Decimal("10.00")}
    assert (await Reward.get(id=row.id)).status == "issued"


async def test_throttled_store_credit_keeps_its_attempts_and_is_sent_after_the_wait(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="store_credit", who=ana, amount="10")
    for _ in range(2):
        fake_shopify.fail_next(429, headers={"Retry-After": "120"})
        await issue_due_rewards(runtime)

        waiting = await Reward.get(id=row.id)
        assert (waiting.status, waiting.platform_ref, waiting.attempts) == ("pending", None, 1)
        assert waiting.next_attempt_at == clock.now + timedelta(seconds=120)
        clock.advance(seconds=120)

    await issue_due_rewards(runtime)

    assert (await Reward.get(id=row.id)).status == "issued"
    assert fake_shopify.store_credit == {(ANA_GID, "EUR"): Decimal("10.00")}


async def test_store_credit_without_a_customer_fails_without_calling_the_store(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    guest = await advocate(shop, clock.now, customer_id=None)
    row = await reward(shop, clock.now, kind="store_credit", who=guest, amount="10")

    await issue_due_rewards(runtime)

    failed = await Reward.get(id=row.id)
    assert (failed.status, failed.last_error) == (
        "failed",
        "store credit cannot be issued: no store customer to credit",
    )
    assert fake_shopify.operations == []


async def test_shop_waiting_for_reauthorisation_is_skipped(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")
    await Shop.filter(id=shop.id).update(status="needs_reauth")

    await issue_due_rewards(runtime)

    waiting = await Reward.get(id=row.id)
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert fake_shopify.operations == []


async def test_refused_token_waits_without_using_attempts(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")
    fake_shopify.fail_next(401)
    fake_shopify.fail_next(401)

    await issue_due_rewards(runtime)
    clock.advance(seconds=900)
    await issue_due_rewards(runtime)

    waiting = await Reward.get(id=row.id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at == clock.now + timedelta(seconds=900)
    assert waiting.last_error == (
        f"PlatformAuthError: {fake_shopify.shop} refused the access token (HTTP 401)"
    )


async def test_referral_is_rewarded_once_all_its_rewards_are_out(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    approved = await referral(shop, ana, clock.now)
    await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, of=approved, amount="10")
    await reward(shop, clock.now, kind="cash", key="rw_test_0002", who=ana, of=approved, amount="5")

    await issue_due_rewards(runtime)

    done = await Referral.get(id=approved.id)
    events = await ReferralEvent.filter(referral_id=approved.id).values(
        "from_state", "to_state", "event", "reason", "cause_kind", "cause_ref", "at"
    )
    assert done.state == "rewarded"
    assert events == [
        {
            "from_state": "approved",
            "to_state": "rewarded",
            "event": "rewards_issued",
            "reason": "rewards_issued",
            "cause_kind": "job",
            "cause_ref": "issue_due_rewards",
            "at": clock.now,
        }
    ]


async def test_referral_waits_while_one_reward_is_still_pending(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now, email=None)
    approved = await referral(shop, ana, clock.now)
    await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, of=approved, amount="10")
    await reward(shop, clock.now, kind="cash", key="rw_test_0002", who=ana, of=approved, amount="5")
    for _ in range(4):
        fake_shopify.fail_next(503)

    await issue_due_rewards(runtime)

    assert (await Referral.get(id=approved.id)).state == "approved"
    assert await ReferralEvent.filter(referral_id=approved.id).count() == 0


async def test_unused_code_is_deactivated_in_the_store(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")
    await issue_due_rewards(runtime)
    await Reward.filter(id=row.id).update(status="deactivate_pending", next_attempt_at=clock.now)

    settled = await issue_due_rewards(runtime)

    code = code_for(runtime, row.idempotency_key)
    undone = await Reward.get(id=row.id)
    assert settled == 1
    assert fake_shopify.operations == [
        "customer",
        "discountCodeBasicCreate",
        "discountCodeDeactivate",
    ]
    assert fake_shopify.calls[2].variables == {
        "id": fake_shopify.discounts[code.casefold()].node_id
    }
    assert fake_shopify.discounts[code.casefold()].status == "EXPIRED"
    assert undone.status == "deactivated"
    assert (await DiscountCode.get(shop=shop, code=code)).status == "disabled"


async def test_code_created_by_a_try_that_died_is_found_and_deactivated(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    code = code_for(runtime, "rw_test_0001")
    row = await reward(
        shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10", code=code,
        status="deactivate_pending",
    )  # fmt: skip
    created = fake_shopify.add_discount(code)

    await issue_due_rewards(runtime)

    assert fake_shopify.operations == ["codeDiscountNodeByCode", "discountCodeDeactivate"]
    assert fake_shopify.calls[1].variables == {"id": created.node_id}
    assert (await Reward.get(id=row.id)).status == "deactivated"


async def test_issued_store_credit_cannot_be_taken_back_and_is_a_clawback(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    row = await reward(
        shop, clock.now, kind="store_credit", who=ana, amount="10", status="deactivate_pending",
        platform_ref="gid://shopify/StoreCreditAccountCreditTransaction/1",
    )  # fmt: skip

    await issue_due_rewards(runtime)

    clawed = await Reward.get(id=row.id)
    assert (clawed.status, clawed.reason) == ("clawback", "store_credit_not_debitable")
    assert fake_shopify.operations == []


async def test_refund_during_the_store_call_takes_the_new_code_back(
    runtime: Runtime,
    shop: Shop,
    fake_shopify: FakeShopify,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = await store_customer(shop, fake_shopify, clock)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")
    adapter = runtime.adapter("shopify")
    create = adapter.create_discount

    async def refunded_meanwhile(creds: StoreCredentials, spec: DiscountSpec) -> DiscountRef:
        ref = await create(creds, spec)
        # The referral service handles a refund while the store is creating the code.
        await Reward.filter(id=row.id).update(status="deactivate_pending")
        return ref

    monkeypatch.setattr(adapter, "create_discount", refunded_meanwhile)

    await issue_due_rewards(runtime)

    undone = await Reward.get(id=row.id)
    code = code_for(runtime, row.idempotency_key)
    assert fake_shopify.operations == [
        "customer",
        "discountCodeBasicCreate",
        "discountCodeDeactivate",
    ]
    assert (undone.status, undone.code) == ("deactivated", code)
    assert undone.platform_ref == fake_shopify.discounts[code.casefold()].node_id
    assert fake_shopify.discounts[code.casefold()].status == "EXPIRED"
