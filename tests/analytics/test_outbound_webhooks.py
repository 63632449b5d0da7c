"""Outbound webhooks: a receiver that checks every signature sees each event once per successful
delivery, through an outage; endpoints are registered, listed and refused through the admin API."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx

from connector.services.base.runtime import Runtime
from connector.services.outbound import endpoints
from connector.services.outbound.delivery import deliver_due
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Referral, Shop, WebhookAttempt, WebhookEndpoint, WebhookMessage
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.referrals.helpers import deliver, order_body, sandbox_shop, store

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
URL = "https://hooks.merchant.example/referrals"
PUBLIC = {"hooks.merchant.example": ["93.184.216.34"], "inside.merchant.example": ["10.0.0.5"]}


async def fake_dns(host: str, port: int) -> list[str]:
    """A resolver for the tests (they never use the network)."""
    if host not in PUBLIC:
        raise OSError(f"unknown host {host}")
    return PUBLIC[host]


class Receiver:
    """The merchant's endpoint: refuses while `down`, verifies every signature it gets."""

    def __init__(self, secret: str, clock: Clock) -> None:
        self.secret = secret
        self.clock = clock
        self.down = 0  # how many more requests to answer 503
        self.accepted: list[str] = []  # event ids answered 2xx, in order
        self.bad_signatures = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = dict(p.split("=", 1) for p in request.headers["X-Referral-Signature"].split(","))
        signed = parts["t"].encode() + b"." + request.content
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        fresh = abs(self.clock.now.timestamp() - int(parts["t"])) <= 300
        if not (hmac.compare_digest(expected, parts["v1"]) and fresh):
            self.bad_signatures += 1
            return httpx.Response(400)
        if self.down:
            self.down -= 1
            return httpx.Response(503)
        body = json.loads(request.content)
        assert body["id"] == request.headers["X-Referral-Event-Id"]
        self.accepted.append(body["id"])
        return httpx.Response(200)


@pytest.fixture
def dns(runtime: Runtime) -> None:
    runtime.resolve = fake_dns


async def drain(runtime: Runtime, clock: Clock) -> None:
    """Run the delivery job until nothing is left to send, letting each backoff pass."""
    for _ in range(30):
        await deliver_due(runtime)
        if not await WebhookMessage.filter(status="pending").exists():
            return
        clock.advance(hours=2)
    raise AssertionError("messages still pending")


async def test_the_receiver_sees_each_event_once_per_successful_delivery_through_an_outage(
    runtime: Runtime, clock: Clock, dns: None
) -> None:
    # Given an endpoint for every event, and Ana, whose friend buys, is credited, then refunds
    shop = await sandbox_shop(runtime)
    made = await endpoints.register(runtime, shop, {"url": URL}, "test")
    assert made.secret is not None
    receiver = Receiver(made.secret, clock)
    with respx.mock(assert_all_called=False) as router:
        router.post(URL).mock(side_effect=receiver)
        enrolled = await enrol_advocate(
            runtime, shop, email="ana@example.org", customer_id="7001", name="Ana"
        )
        ana = enrolled.advocate
        store(runtime).add_customer("ana@example.org", customer_id="7001")
        placed = clock.now - timedelta(hours=1)
        await deliver(runtime, order_body(6001, placed, code=ana.friend_code), "paid")
        # The receiver is down for the first five requests (two runs of the job, then more).
        receiver.down = 5
        await deliver_due(runtime)
        clock.advance(days=15)
        await approve_due_referrals(runtime)
        await issue_due_rewards(runtime)
        await deliver_due(runtime)
        refund = order_body(6001, placed, code=ana.friend_code, status="refunded",
                            refunded="120.00", step=5)  # fmt: skip
        await deliver(runtime, refund, "refund", topic="orders/updated")
        # A replay of the refund queues nothing new.
        await deliver(runtime, refund, "refund-again", topic="orders/updated")

        # When the job runs until every message is delivered
        await drain(runtime, clock)

    # Then each event reached the receiver exactly once, signed, despite the outage
    rewards = [m.event_key for m in await WebhookMessage.filter(event="reward.issued")]
    assert len(rewards) == 2  # the advocate's credit and the friend's discount
    referral = (await Referral.get(shop_id=shop.id)).id
    expected = {f"advocate.joined:{ana.id}", f"referral.credited:{referral}", *rewards,
                f"referral.reversed:{referral}"}  # fmt: skip
    assert sorted(receiver.accepted) == sorted(expected)
    assert receiver.bad_signatures == 0
    assert await WebhookMessage.filter(status="delivered").count() == len(expected)
    refused = await WebhookAttempt.filter(status_code=503).count()
    assert refused == 5
    assert await WebhookAttempt.all().count() == len(expected) + refused


async def test_a_message_that_never_gets_through_fails_and_can_be_sent_again(
    runtime: Runtime, clock: Clock, dns: None
) -> None:
    shop = await sandbox_shop(runtime)
    made = await endpoints.register(runtime, shop, {"url": URL, "events": ["advocate.joined"]}, "t")
    assert made.secret is not None
    receiver = Receiver(made.secret, clock)
    receiver.down = 1000
    with respx.mock(assert_all_called=False) as router:
        router.post(URL).mock(side_effect=receiver)
        await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
        await drain(runtime, clock)
        message = await WebhookMessage.get()
        assert (message.status, message.attempts) == ("failed", runtime.settings.worker.max_attempts)
        assert message.last_error == "the endpoint answered 503"
        assert receiver.accepted == []

        receiver.down = 0
        await endpoints.resend(runtime, shop, message.id)
        await drain(runtime, clock)

    assert receiver.accepted == [message.event_key]
    assert (await WebhookMessage.get()).status == "delivered"


async def test_endpoints_through_the_admin_api(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, clock: Clock,
    dns: None,
) -> None:  # fmt: skip
    # Registered: the secret is shown once, kept encrypted, never listed
    made = await app_client.post(
        "/admin/api/webhooks", json={"url": URL, "events": ["advocate.joined"]}, headers=bearer()
    )
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    row = await WebhookEndpoint.get(id=made.json()["id"])
    assert row.secret != secret
    assert runtime.vault.decrypt(row.secret) == secret
    listed = (await app_client.get("/admin/api/webhooks", headers=bearer())).json()
    assert [e["url"] for e in listed["endpoints"]] == [URL]
    assert [e["secret"] for e in listed["endpoints"]] == [None]
    assert listed["events"] == [
        "advocate.joined", "referral.credited", "reward.issued", "referral.reversed"
    ]

    # An event is queued, sent, and listed with its attempts
    receiver = Receiver(secret, clock)
    receiver.down = 1
    await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")
    with respx.mock(assert_all_called=False) as router:
        router.post(URL).mock(side_effect=receiver)
        await drain(runtime, clock)
    answer = await app_client.get(f"/admin/api/webhooks/{row.id}/messages", headers=bearer())
    [message] = answer.json()["messages"]
    assert message["status"] == "delivered"
    assert [(a["number"], a["status_code"]) for a in message["attempts"]] == [(2, 200), (1, 503)]

    # Switched off, then removed
    off = await app_client.put(f"/admin/api/webhooks/{row.id}", json={"active": False},
                               headers=bearer())  # fmt: skip
    assert off.json()["active"] is False
    gone = await app_client.delete(f"/admin/api/webhooks/{row.id}", headers=bearer())
    assert gone.status_code == 204
    assert await WebhookEndpoint.filter(id=row.id).count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "http://hooks.merchant.example/x"}, "the URL must start with https://"),
        ({"url": "https://inside.merchant.example/x"},
         "we do not send to https://inside.merchant.example/x: inside.merchant.example is a private address"),
        ({"url": "https://127.0.0.1/x"},
         "we do not send to https://127.0.0.1/x: 127.0.0.1 is a loopback address"),
        ({"url": "https://169.254.169.254/latest"},
         "we do not send to https://169.254.169.254/latest: 169.254.169.254 is a metadata address"),
        ({"url": URL, "events": ["order.created"]},
         "unknown event 'order.created': use advocate.joined, referral.credited, reward.issued, referral.reversed"),
    ],
)  # fmt: skip
async def test_a_url_or_event_we_will_not_send_to_is_a_422_that_says_why(
    app_client: httpx.AsyncClient, program_shop: Shop, dns: None, body: dict[str, Any],
    message: str,
) -> None:  # fmt: skip
    answer = await app_client.post("/admin/api/webhooks", json=body, headers=bearer())

    assert answer.status_code == 422
    assert [f["message"] for f in answer.json()["fields"]] == [message]
    assert await WebhookEndpoint.all().count() == 0


async def test_rotating_keys_re_encrypts_the_signing_secrets(
    runtime: Runtime, dns: None
) -> None:
    from connector.crypto import Vault, generate_key
    from connector.settings import Secret

    shop = await sandbox_shop(runtime)
    made = await endpoints.register(runtime, shop, {"url": URL}, "test")
    before = (await WebhookEndpoint.get(id=made.id)).secret
    key = Secret(generate_key())

    assert await endpoints.rotate_secrets(Vault([key, *runtime.settings.encryption_keys])) == 1

    after = (await WebhookEndpoint.get(id=made.id)).secret
    assert after != before
    assert Vault([key]).decrypt(after) == made.secret  # the newest key alone reads it now
