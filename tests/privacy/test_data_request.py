"""customers/data_request: an export of what we hold, and a summary saying where to read it."""

from __future__ import annotations

import json

import httpx

from connector.cli import build_parser
from connector.services.base.runtime import Runtime
from connector.services.privacy.compliance import list_privacy_requests, show_privacy_request
from connector.store.models import PrivacyRequest
from tests.privacy.helpers import MARISOL, OSKAR, compliance, deliver, install, order_by, process


async def test_data_request_exports_what_we_hold_and_says_where(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    # Given two orders of hers (one as a guest, known only by id) and one of someone else
    await install(runtime)
    await deliver(app_client, "orders/paid", order_by(MARISOL, 5600000000000001), "wh-m1")
    await deliver(
        app_client,
        "orders/paid",
        order_by(MARISOL, 5600000000000002, email="guest@example.net", customer_id=11),
        "wh-m2",
    )
    await deliver(app_client, "orders/paid", order_by(OSKAR, 5600000000000009), "wh-o9")
    await process(runtime)

    # When the store forwards her data request
    await deliver(
        app_client,
        "customers/data_request",
        compliance(
            "customers/data_request",
            MARISOL,
            [5600000000000002],
            email="MARISOL.QUINTERO@example.net",
        ),
        "wh-m-dr",
    )
    assert await process(runtime) == {"done": 1}

    # Then the export lists her orders and webhooks, and the summary says where to find it
    row = await PrivacyRequest.get(kind="data_request")
    export = row.export
    assert isinstance(export, dict)
    assert (row.customer_id, export["data_request_id"], export["customer"]) == (
        str(MARISOL.customer_id),
        "9999",
        {
            "id": str(MARISOL.customer_id),
            "email": "MARISOL.QUINTERO@example.net",
            "phone": MARISOL.phone,
        },
    )
    orders = export["data"]["order_record"]["orders"]
    assert [(o["order_id"], o["email"], o["total"]) for o in orders] == [
        ("5600000000000001", MARISOL.email, "120.0000"),
        ("5600000000000002", "guest@example.net", "120.0000"),
    ]
    hooks = export["data"]["delivery"]["webhooks"]
    assert [(h["webhook_id"], h["topic"]) for h in hooks] == [
        ("wh-m1", "orders/paid"),
        ("wh-m2", "orders/paid"),
        ("wh-m-dr", "customers/data_request"),
    ]
    assert hooks[0]["personal_data"]["shipping_address.city"] == MARISOL.city
    assert hooks[0]["personal_data"]["email"] == MARISOL.email
    assert "line_items" not in json.dumps(export)
    assert export["data"]["privacy_request"] == {"requests": []}
    assert row.summary == (
        f"Data request 9999 for customer {MARISOL.customer_id}: found 2 in order_record,"
        f" 3 in delivery, 0 in privacy_request, 0 in message, 0 in message_consent, 0 in reward, 0 in referral, 0 in offer_claim,"
        f" 0 in discount_code, 0 in advocate_signal, 0 in block_entry, 0 in advocate. Read the export with"
        f" `connector privacy show {row.id}` (or in the admin under Privacy requests) and send"
        " it to the customer; a later customers/redact erases it."
    )


async def test_operator_reads_the_export_by_id(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await install(runtime)
    await deliver(
        app_client,
        "customers/data_request",
        compliance("customers/data_request", MARISOL, []),
        "wh-m-dr",
    )
    await process(runtime)
    args = build_parser().parse_args(["privacy", "show", "1"])

    listed = await list_privacy_requests(kind="data_request")
    shown = await show_privacy_request(listed[0].id)

    assert (args.command, args.action, args.id) == ("privacy", "show", 1)
    assert [r.kind for r in listed] == ["data_request"]
    assert shown is not None
    assert shown["export"]["customer"]["email"] == MARISOL.email
    assert await show_privacy_request(listed[0].id + 1) is None
