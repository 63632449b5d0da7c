"""POST /webhooks/shopify: verify, store once, answer fast; bad requests leave nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from connector.services.pipeline.deliveries import list_deliveries
from connector.store.models import Delivery
from tests.conftest import TEST_PREVIOUS_SECRET
from tests.support.shopify_payloads import SHOP, encode, order, signed_headers


async def test_signed_delivery_sent_three_times_is_stored_once(
    app_client: httpx.AsyncClient,
) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-3f1c-0001")

    answers = [
        await app_client.post("/webhooks/shopify", content=body, headers=headers) for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    rows = await list_deliveries()
    assert [(r.topic, r.shop, r.webhook_id, r.status, r.attempts) for r in rows] == [
        ("orders/paid", SHOP, "wh-3f1c-0001", "pending", 0)
    ]
    stored = await Delivery.get(delivery_key="wh-3f1c-0001")
    assert bytes(stored.body) == body


async def test_a_body_sent_in_pieces_is_verified_and_stored_whole(
    app_client: httpx.AsyncClient,
) -> None:
    # Given a signed delivery whose body arrives in several pieces (chunked transfer)
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-pieces-0001")
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)]

    async def stream() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    # When it is posted
    answer = await app_client.post("/webhooks/shopify", content=stream(), headers=headers)

    # Then the signature checks out on the whole body, which is stored as sent
    assert len(pieces) > 3
    assert (answer.status_code, answer.json()) == (200, {"ok": True, "duplicate": False})
    assert answer.headers["content-type"] == "application/json"
    stored = await Delivery.get(delivery_key="wh-pieces-0001")
    assert bytes(stored.body) == body


async def test_unsigned_delivery_is_401_and_not_stored(app_client: httpx.AsyncClient) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-unsigned")
    headers["X-Shopify-Hmac-Sha256"] = "bm90LXRoZS1zaWduYXR1cmU="

    answer = await app_client.post("/webhooks/shopify", content=body, headers=headers)

    assert answer.status_code == 401
    assert "signature" in answer.json()["error"]
    assert await Delivery.all().count() == 0


async def test_missing_signature_header_is_400_naming_it(app_client: httpx.AsyncClient) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-nohmac")
    del headers["X-Shopify-Hmac-Sha256"]

    answer = await app_client.post("/webhooks/shopify", content=body, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["error"] == "missing required headers: X-Shopify-Hmac-Sha256"
    assert await Delivery.all().count() == 0


async def test_missing_topic_is_400_naming_it(app_client: httpx.AsyncClient) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-notopic")
    del headers["X-Shopify-Topic"]

    answer = await app_client.post("/webhooks/shopify", content=body, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["error"] == "missing required headers: X-Shopify-Topic"
    assert await Delivery.all().count() == 0


async def test_body_changed_after_signing_is_401(app_client: httpx.AsyncClient) -> None:
    body = encode(order(total="120.00"))
    headers = signed_headers(body, "orders/paid", "wh-tampered")
    tampered = body.replace(b"120.00", b"920.00")

    answer = await app_client.post("/webhooks/shopify", content=tampered, headers=headers)

    assert answer.status_code == 401
    assert await Delivery.all().count() == 0


async def test_previous_secret_still_accepted_during_rotation(
    app_client: httpx.AsyncClient,
) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-rotated", secret=TEST_PREVIOUS_SECRET)

    answer = await app_client.post("/webhooks/shopify", content=body, headers=headers)

    assert answer.status_code == 200
    assert await Delivery.all().count() == 1


async def test_compliance_topic_with_bad_signature_is_401(app_client: httpx.AsyncClient) -> None:
    body = b'{"shop_id": 1, "shop_domain": "referral-test.myshopify.com"}'
    headers = signed_headers(body, "shop/redact", "wh-redact", secret="not-the-secret")

    answer = await app_client.post("/webhooks/shopify", content=body, headers=headers)

    assert answer.status_code == 401
    assert await Delivery.all().count() == 0


async def test_get_is_405(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/webhooks/shopify")

    assert answer.status_code == 405


async def test_concurrent_deliveries_share_commits_and_each_is_stored_once(
    app_client: httpx.AsyncClient,
) -> None:
    body = encode(order())
    ids = [f"wh-burst-{n}" for n in range(40)] + ["wh-burst-0", "wh-burst-1"]

    answers = await asyncio.gather(
        *(
            app_client.post(
                "/webhooks/shopify", content=body, headers=signed_headers(body, "orders/paid", i)
            )
            for i in ids
        )
    )

    assert [a.status_code for a in answers] == [200] * 42
    assert sum(not a.json()["duplicate"] for a in answers) == 40
    assert await Delivery.all().count() == 40


async def test_a_failing_commit_answers_503_so_the_store_retries(
    app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(batch: object) -> set[tuple[str, str, str]]:
        raise ConnectionError("database went away")

    monkeypatch.setattr("connector.services.base.inbox.insert_deliveries", broken)
    body = encode(order())

    answer = await app_client.post(
        "/webhooks/shopify", content=body, headers=signed_headers(body, "orders/paid", "wh-500")
    )

    assert answer.status_code == 503
    assert answer.json() == {"error": "the delivery could not be stored; send it again"}
