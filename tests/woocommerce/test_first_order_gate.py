"""The plugin's new-customer gate under php-cli: WooCommerce's own coupon validation (the
`woocommerce_coupon_is_valid` filter, as WC_Discounts runs it) and the classic checkout's
`woocommerce_after_checkout_validation` refuse a first-order referral coupon to a customer who
has a paid order, with a clear message, and let a new customer use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from connector.domain.program import program_to_dict
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.programs import save_program
from connector.store.models import Shop
from platforms.woocommerce.coupons import NEW_CUSTOMERS_META
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_routes import connected
from tests.woocommerce.test_wordpress_plugin import PHP, PLUGIN, needs_php

# Just enough of WordPress and WooCommerce to run the plugin's hooks the way WooCommerce does.
HARNESS = r"""<?php
define( 'ABSPATH', '/' );
$GLOBALS['hooks'] = array();
function add_action( $name, $callback, $priority = 10, $args = 1 ) { $GLOBALS['hooks'][ $name ][] = $callback; }
function add_filter( $name, $callback, $priority = 10, $args = 1 ) { $GLOBALS['hooks'][ $name ][] = $callback; }
function apply_filters( $name, $value, ...$args ) {
	foreach ( $GLOBALS['hooks'][ $name ] ?? array() as $callback ) { $value = $callback( $value, ...$args ); }
	return $value;
}
function do_action( $name, ...$args ) { foreach ( $GLOBALS['hooks'][ $name ] ?? array() as $callback ) { $callback( ...$args ); } }
function plugin_basename( $file ) { return basename( $file ); }
function wp_json_encode( $data ) { return json_encode( $data ); }
function get_current_user_id() { return $GLOBALS['case']['user']; }
function get_locale() { return $GLOBALS['case']['locale']; }
function wc_get_is_paid_statuses() { return array( 'processing', 'completed' ); }
function wc_get_orders( $query ) {
	$found = array();
	foreach ( $GLOBALS['case']['orders'] as $id => $order ) {
		$field = isset( $query['customer_id'] ) ? 'customer_id' : 'billing_email';
		if ( $order[ $field ] === $query[ $field ] && in_array( $order['status'], $query['status'], true ) ) { $found[] = $id; }
	}
	return array_slice( $found, 0, $query['limit'] );
}
class WC_Coupon {
	public $meta;
	function __construct( $meta ) { $this->meta = $meta; }
	function get_meta( $key ) { return $this->meta[ $key ] ?? ''; }
}
class WP_Error {
	public $errors = array();
	function add( $code, $message ) { $this->errors[ $code ] = $message; }
}
class Shopper { function get_billing_email() { return $GLOBALS['case']['session_email']; } }
class Cart { function get_coupons() { return array( 'friend' => $GLOBALS['coupon'] ); } }
function WC() { return (object) array( 'customer' => new Shopper(), 'cart' => new Cart() ); }
require $GLOBALS['argv'][1];
$GLOBALS['case']   = json_decode( $GLOBALS['argv'][2], true );
$GLOBALS['coupon'] = new WC_Coupon( $GLOBALS['case']['meta'] );
// As WC_Discounts::is_coupon_valid runs the filter: an exception's message reaches the shopper.
try {
	$valid = apply_filters( 'woocommerce_coupon_is_valid', true, $GLOBALS['coupon'], null );
	$applied = $valid ? 'valid' : 'Coupon is not valid.';
} catch ( Exception $e ) {
	$applied = $e->getMessage();
}
$errors = new WP_Error();
do_action( 'woocommerce_after_checkout_validation', array( 'billing_email' => $GLOBALS['case']['posted_email'] ), $errors );
echo json_encode( array( 'applied' => $applied, 'checkout' => $errors->errors ) );
"""
MARKED = {"_referral_connector": "1", NEW_CUSTOMERS_META: "1"}
REFUSED_EN = "This referral discount is for a first order only, and you already have a paid order with us."
REFUSED_ES = (
    "Este descuento de recomendación es solo para tu primer pedido, y ya tienes un pedido pagado"
    " con nosotros."
)
ORDERS = {
    "501": {"customer_id": 42, "billing_email": "ana@example.org", "status": "completed"},
    "502": {"customer_id": 0, "billing_email": "guest@example.org", "status": "processing"},
    "503": {"customer_id": 43, "billing_email": "new@example.org", "status": "pending"},
    "504": {"customer_id": 0, "billing_email": "failed@example.org", "status": "failed"},
}


def run_gate(tmp: Path, **case: Any) -> dict[str, Any]:
    """The coupon's fate when applied and at the classic checkout, for one shopper."""
    values = {"user": 0, "locale": "en_US", "orders": ORDERS, "meta": MARKED, "session_email": "",
              "posted_email": "", **case}  # fmt: skip
    harness = tmp / "gate.php"
    harness.write_text(HARNESS)
    done = subprocess.run(
        [PHP or "php", str(harness), str(PLUGIN), json.dumps(values)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@needs_php
@pytest.mark.parametrize(
    ("who", "case"),
    [
        ("a signed-in customer with a completed order", {"user": 42}),
        ("a guest whose email has a processing order",
         {"session_email": "guest@example.org", "posted_email": "guest@example.org"}),
    ],
)  # fmt: skip
def test_an_existing_customer_is_refused_the_friend_coupon_with_a_clear_message(
    tmp_path: Path, who: str, case: dict[str, Any]
) -> None:
    result = run_gate(tmp_path, **case)

    assert result == {
        "applied": REFUSED_EN,
        "checkout": {"refconn_first_order_only": REFUSED_EN},
    }, who


@needs_php
def test_a_guest_known_only_by_the_checkout_form_is_refused_when_placing_the_order(
    tmp_path: Path,
) -> None:
    # Applying in the cart: nothing says who the guest is yet; the form's email then does.
    result = run_gate(tmp_path, posted_email="guest@example.org")

    assert result == {"applied": "valid", "checkout": {"refconn_first_order_only": REFUSED_EN}}


@needs_php
@pytest.mark.parametrize(
    "case",
    [
        {"user": 43, "posted_email": "new@example.org"},  # only an unpaid (pending) order
        {"posted_email": "failed@example.org"},  # only a failed order
        {"posted_email": "first.time@example.org"},  # no order at all
    ],
)
def test_a_new_customer_may_use_the_friend_coupon(tmp_path: Path, case: dict[str, Any]) -> None:
    assert run_gate(tmp_path, **case) == {"applied": "valid", "checkout": []}


@needs_php
def test_the_stores_own_coupons_are_left_alone_and_the_message_follows_the_language(
    tmp_path: Path,
) -> None:
    unmarked = run_gate(tmp_path, user=42, meta={"_referral_connector": "1"})
    spanish = run_gate(tmp_path, user=42, locale="es_ES")

    assert unmarked == {"applied": "valid", "checkout": []}
    assert spanish["applied"] == REFUSED_ES


async def test_friend_coupons_for_new_customers_carry_the_gates_mark(
    woo_runtime: Runtime, app_client: Any, fake_woo: FakeWooCommerce
) -> None:
    # Given a program for new customers only, and one open to everyone
    await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    for new_only, email in ((True, "ana@example.org"), (False, "bo@example.org")):
        program = {**program_to_dict(FIXED), "currency": "EUR", "new_customers_only": new_only}
        await save_program(woo_runtime, shop, program, actor="test")
        await enrol_advocate(woo_runtime, shop, email=email)
        # When the friend-code job creates the advocate's coupon in the store
        assert await create_pending_friend_codes(woo_runtime) == 1

    # Then only the first-order coupon is marked for the plugin's gate
    metas = [c["meta_data"] for c in fake_woo.coupons.values()]
    assert metas == [
        [{"key": "_referral_connector", "value": "1"}, {"key": NEW_CUSTOMERS_META, "value": "1"}],
        [{"key": "_referral_connector", "value": "1"}],
    ]
