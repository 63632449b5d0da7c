"""customers/redact: the shopper is gone from every table; everyone else, and the money, stay."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from connector.services.base.runtime import Runtime
from connector.services.privacy.redaction import REDACTED
from connector.store.models import Delivery, OrderRecord, PrivacyRequest
from tests.privacy.helpers import (
    MARISOL,
    OSKAR,
    compliance,
    deliver,
    install,
    order_by,
    process,
    where_stored,
)

GUEST_EMAIL = "marisol.q@work.example"


async def _inbox_with_two_shoppers(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """Marisol: two orders (one updated), one guest checkout, a data request. Oskar: one order."""
    await install(runtime)
    await deliver(
        client,
        "orders/create",
        order_by(MARISOL, 5600000000000001, financial_status="pending"),
        "wh-m1-create",
    )
    await deliver(
        client,
        "orders/paid",
        order_by(MARISOL, 5600000000000001, updated_at="2026-11-20T11:00:00-05:00"),
        "wh-m1-paid",
    )
    await deliver(client, "orders/paid", order_by(MARISOL, 5600000000000002), "wh-m2-paid")
    await deliver(
        client, "orders/paid", order_by(MARISOL, 5600000000000003, email=GUEST_EMAIL), "wh-m3-paid"
    )
    await deliver(
        client, "orders/paid", order_by(OSKAR, 5600000000000009, total="80.00"), "wh-o9-paid"
    )
    assert await process(runtime) == {"done": 5}
    request = compliance(
        "customers/data_request", MARISOL, [5600000000000001], email="Marisol.Quintero@Example.NET"
    )
    await deliver(client, "customers/data_request", request, "wh-m-data-request")
    assert await process(runtime) == {"done": 1}


async def _redact_marisol(
    runtime: Runtime, client: httpx.AsyncClient, order_ids: list[int], email: str | None = None
) -> dict[str, int]:
    """Deliver customers/redact for Marisol and process it; return the worker's counts."""
    redact = compliance("customers/redact", MARISOL, order_ids, email=email)
    await deliver(client, "customers/redact", redact, "wh-m-redact")
    return await process(runtime)


async def test_redact_leaves_none_of_the_shopper_in_any_table(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    # Given the shopper's personal data in orders, raw webhooks and a data-request export
    await _inbox_with_two_shoppers(runtime, app_client)
    needles = (*MARISOL.needles(), GUEST_EMAIL)
    before = await where_stored(needles)
    assert sorted(before) == sorted(needles)
    assert before[MARISOL.email] == {"delivery", "order_record", "privacy_request"}

    # When the store asks us to redact her (email in another case; the guest order by id)
    outcome = await _redact_marisol(
        runtime,
        app_client,
        [5600000000000001, 5600000000000002, 5600000000000003],
        email="MARISOL.Quintero@example.NET",
    )

    # Then nothing of hers is left anywhere, and Oskar is untouched
    assert outcome == {"done": 1}
    assert await where_stored(needles) == {}
    assert sorted(await where_stored(OSKAR.needles())) == sorted(OSKAR.needles())


async def test_redact_keeps_orders_and_amounts_but_unlinks_the_shopper(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await _inbox_with_two_shoppers(runtime, app_client)
    oskar_body = bytes((await Delivery.get(delivery_key="wh-o9-paid")).body)

    await _redact_marisol(runtime, app_client, [5600000000000003])

    orders = (
        await OrderRecord.all()
        .order_by("order_id")
        .values_list("order_id", "email", "customer_id", "total", "paid")
    )
    assert orders == [
        ("5600000000000001", None, None, Decimal("120.0000"), True),
        ("5600000000000002", None, None, Decimal("120.0000"), True),
        ("5600000000000003", None, None, Decimal("120.0000"), True),
        ("5600000000000009", OSKAR.email, str(OSKAR.customer_id), Decimal("80.0000"), True),
    ]
    redacted = [
        d.delivery_key for d in await Delivery.filter(redacted_at__isnull=False).order_by("id")
    ]
    assert redacted == [
        "wh-m1-create",
        "wh-m1-paid",
        "wh-m2-paid",
        "wh-m3-paid",
        "wh-m-data-request",
        "wh-m-redact",
    ]
    oskar = await Delivery.get(delivery_key="wh-o9-paid")
    assert (bytes(oskar.body), oskar.redacted_at) == (oskar_body, None)


async def test_redacted_order_body_keeps_ids_and_amounts_only(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await _inbox_with_two_shoppers(runtime, app_client)

    await _redact_marisol(runtime, app_client, [])

    body = json.loads(bytes((await Delivery.get(delivery_key="wh-m2-paid")).body))
    assert (body["id"], body["total_price"], body["currency"], body["name"]) == (
        5600000000000002,
        "120.00",
        "EUR",
        "#1042",
    )
    assert {
        k: body[k] for k in ("customer", "shipping_address", "billing_address", "client_details")
    } == dict.fromkeys(("customer", "shipping_address", "billing_address", "client_details"))
    assert not {"email", "contact_email", "note", "browser_ip"} & set(body)
    assert body["note_attributes"] == [{"name": "gift_from", "value": REDACTED}]


async def test_redact_erases_the_earlier_data_request_export(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await _inbox_with_two_shoppers(runtime, app_client)

    await _redact_marisol(runtime, app_client, [])

    rows = await PrivacyRequest.all().order_by("id")
    assert [(r.kind, r.customer_id, r.export) for r in rows] == [
        ("data_request", str(MARISOL.customer_id), None),
        ("customer_redact", str(MARISOL.customer_id), None),
    ]
    assert rows[0].summary.endswith("by customers/redact.")
    assert rows[1].summary == (
        f"Customer {MARISOL.customer_id} redacted; rows changed: 3 in order_record,"
        " 6 in delivery, 1 in privacy_request, 0 in message, 0 in message_consent, 0 in reward, 0 in referral, 0 in offer_claim,"
        " 0 in discount_code, 0 in advocate_signal, 0 in block_entry, 0 in advocate."
    )
