"""Order payloads as `OrderEvent`s: what each WooCommerce status means for crediting."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from platforms.base import LineItem, OrderEventKind, Refund
from platforms.woocommerce.orders import parse_order
from tests.support import woocommerce_payloads as woo


def parse(payload: dict[str, Any], topic: str = "order.updated") -> Any:
    return parse_order("store.example", topic, payload)


@pytest.mark.parametrize(
    ("status", "paid_at", "kind", "paid", "cancelled"),
    [
        # paid: processing or completed, with date_paid
        ("processing", True, OrderEventKind.PAID, True, False),
        ("completed", True, OrderEventKind.PAID, True, False),
        # not paid after all: processing set by hand with no payment recorded
        ("processing", False, OrderEventKind.UPDATED, False, False),
        # void
        ("cancelled", False, OrderEventKind.CANCELLED, False, True),
        ("failed", False, OrderEventKind.CANCELLED, False, True),
        ("trash", True, OrderEventKind.CANCELLED, False, True),
        ("refunded", True, OrderEventKind.REFUNDED, False, False),
        # wait
        ("pending", False, OrderEventKind.UPDATED, False, False),
        ("on-hold", False, OrderEventKind.UPDATED, False, False),
        ("checkout-draft", False, OrderEventKind.UPDATED, False, False),
    ],
)
def test_each_status_means_paid_void_or_wait(
    status: str, paid_at: bool, kind: OrderEventKind, paid: bool, cancelled: bool
) -> None:
    event = parse(woo.order(19, status=status, paid=paid_at))

    assert (event.kind, event.paid, event.cancelled, event.financial_status) == (
        kind,
        paid,
        cancelled,
        status,
    )


def test_a_refunded_order_counts_as_refunded_in_full() -> None:
    event = parse(woo.order(19, status="refunded", total="60.00", refunds=[(20, "60.00")]))

    assert (event.total, event.refunded) == (Decimal("60.00"), Decimal("60.00"))
    assert event.refunds == (Refund("20", Decimal("60.00"), None),)


def test_a_refunded_status_without_refund_records_is_still_in_full() -> None:
    # Set by hand: WooCommerce says refunded, refunds[] is empty.
    event = parse(woo.order(19, status="refunded", total="60.00"))

    assert (event.kind, event.refunded, event.refunds) == (
        OrderEventKind.REFUNDED,
        Decimal("60.00"),
        (),
    )


def test_a_partial_refund_keeps_the_total_and_reads_refunds() -> None:
    event = parse(
        woo.order(19, status="processing", total="60.00", refunds=[(20, "5.00"), (21, "10.50")])
    )

    assert (event.kind, event.paid, event.total, event.refunded) == (
        OrderEventKind.REFUNDED,
        True,
        Decimal("60.00"),
        Decimal("15.50"),
    )
    assert [r.refund_id for r in event.refunds] == ["20", "21"]


def test_a_waiting_order_just_created_is_placed() -> None:
    event = parse(woo.order(19, status="pending", paid=False), topic="order.created")

    assert (event.kind, event.paid) == (OrderEventKind.PLACED, False)


def test_order_created_already_paid_is_paid() -> None:
    # Payloads are built when delivered: order.created often shows the order paid already.
    event = parse(woo.order(19, status="processing"), topic="order.created")

    assert event.kind is OrderEventKind.PAID


def test_order_deleted_carries_only_the_id_and_voids() -> None:
    event = parse({"id": 19}, topic="order.deleted")

    assert (event.order_id, event.kind, event.cancelled, event.paid, event.financial_status) == (
        "19",
        OrderEventKind.CANCELLED,
        True,
        False,
        "trash",
    )


def test_a_status_walk_from_pending_to_refunded() -> None:
    walk = ["pending", "on-hold", "processing", "completed", "refunded"]

    kinds = [
        parse(
            woo.order(19, status=status, paid=status in ("processing", "completed", "refunded"))
        ).kind.value
        for status in walk
    ]

    assert kinds == ["updated", "updated", "paid", "paid", "refunded"]


def test_fields_keep_exact_amounts_string_ids_utc_times_and_guest_is_no_customer() -> None:
    payload = woo.order(
        820982911946154508,
        total="1234.56",
        currency="eur",
        email="Fran@Example.org",
        codes=["ref-ana-10"],
        quantity=3,
        created="2026-11-20T14:00:00",
        modified="2026-11-20T14:05:00",
        meta={
            "_referral_connector_ref": "ANA-7KQ",
            "_referral_connector_at": "2026-11-18T09:30:00+00:00",
            "_wc_order_attribution_session_entry": "https://store.example/?ref=ANA-7KQ",
            "_other_plugin": "ignored",
        },
    )

    event = parse(payload)

    assert (event.order_id, event.order_name, event.customer_id) == (
        "820982911946154508",
        "#820982911946154508",
        None,
    )
    assert (event.currency, event.total, event.subtotal) == (
        "EUR",
        Decimal("1234.56"),
        Decimal("1234.56"),
    )
    assert event.email == "Fran@Example.org"
    assert event.discount_codes == ("ref-ana-10",)
    assert event.created_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert event.updated_at == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    assert event.attributes == {"ref": "ANA-7KQ", "referral_at": "2026-11-18T09:30:00+00:00"}
    assert event.landing_ref == "https://store.example/?ref=ANA-7KQ"
    assert event.line_items == (LineItem("13", None, 3, Decimal("411.52"), "Test Mug"),)
    assert event.client_ip_hash is not None
    assert len(event.client_ip_hash) == 64  # hashed, never the address itself
    assert event.shipping_address["zip"] == "12345"


def test_a_registered_customer_id_is_a_string() -> None:
    event = parse(woo.order(19, customer_id=7700112233445566771))

    assert event.customer_id == "7700112233445566771"


def test_a_payload_without_an_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no id"):
        parse({"status": "processing"})
