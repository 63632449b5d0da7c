"""The WordPress loader plugin agrees with the connector: meta keys, cookie, shop name, token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.services.storefront.tokens import read_token
from platforms.woocommerce.connect import store_domain
from platforms.woocommerce.orders import REFERRAL_META

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "widgets" / "woocommerce" / "referral-connector.php"
WIDGET = ROOT / "widgets" / "src" / "widget.js"
PHP = shutil.which("php")
needs_php = pytest.mark.skipif(PHP is None, reason="php-cli is not installed (CI installs it)")

# Just enough of WordPress to load the plugin and call its pure functions.
HARNESS = r"""<?php
define( 'ABSPATH', '/' );
function add_action( ...$args ) {}
function add_filter( ...$args ) {}
function plugin_basename( $file ) { return basename( $file ); }
function wp_json_encode( $data ) { return json_encode( $data ); }
function wp_parse_url( $url, $component = -1 ) { return parse_url( $url, $component ); }
function home_url( $path = '' ) { return rtrim( $GLOBALS['argv'][1], '/' ) . $path; }
require $GLOBALS['argv'][2];
echo json_encode( array(
	'shop'   => refconn_shop_name(),
	'member' => refconn_token( 'whsec-k3y', refconn_shop_name(), 42, 1795186800 ),
	'guest'  => refconn_token( 'whsec-k3y', refconn_shop_name(), 0, 1795186800 ),
	'admin'  => refconn_admin_token( 'whsec-k3y', refconn_shop_name(), 7, 1795186800 ),
) );
"""


def php_constant(name: str) -> str:
    match = re.search(rf"const {name}\s*=\s*'([^']*)';", PLUGIN.read_text())
    assert match, f"{name} is not defined in the plugin"
    return match.group(1)


def run_plugin(home: str, tmp_path: Path) -> dict[str, str]:
    harness = tmp_path / "harness.php"
    harness.write_text(HARNESS)
    done = subprocess.run(
        [PHP or "php", str(harness), home, str(PLUGIN)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result: dict[str, str] = json.loads(done.stdout)
    return result


def claims(token: str, key: str, kind: str = "v1") -> dict[str, object]:
    version, payload, signature = token.split(".")
    expected = hmac.new(key.encode(), f"{version}.{payload}".encode(), hashlib.sha256).hexdigest()
    assert (version, signature) == (kind, expected)
    decoded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def test_the_plugin_writes_the_meta_key_the_order_parser_reads() -> None:
    assert REFERRAL_META[php_constant("REFCONN_META_REF")] == "ref"


def test_the_plugin_reads_the_cookie_the_widget_writes() -> None:
    widget_key = re.search(r'var KEY = "([^"]+)";', WIDGET.read_text())

    assert widget_key is not None
    assert php_constant("REFCONN_COOKIE") == widget_key.group(1)


@needs_php
def test_php_lint_passes() -> None:
    done = subprocess.run(
        [PHP or "php", "-l", str(PLUGIN)], capture_output=True, text=True, timeout=30
    )

    assert done.returncode == 0, done.stdout + done.stderr


@needs_php
@pytest.mark.parametrize(
    "home",
    ["https://Store.Example", "http://127.0.0.1:8080", "https://example.com:443/shop/"],
)
def test_the_plugin_names_the_shop_as_the_connector_does(home: str, tmp_path: Path) -> None:
    assert run_plugin(home, tmp_path)["shop"] == store_domain(home)


@needs_php
def test_the_plugin_signs_the_customer_token_the_connector_expects(tmp_path: Path) -> None:
    signed = run_plugin("https://store.example", tmp_path)

    assert claims(signed["member"], "whsec-k3y") == {
        "shop": "store.example",
        "customer": "42",
        "exp": 1795186800 + 12 * 3600,
    }
    assert claims(signed["guest"], "whsec-k3y")["customer"] is None


@needs_php
def test_the_connector_reads_the_plugin_token_with_the_webhook_secret(tmp_path: Path) -> None:
    signed = run_plugin("https://store.example", tmp_path)
    now = datetime.fromtimestamp(1795186800, UTC)

    member = read_token(signed["member"], ["whsec-k3y"], "store.example", now)
    guest = read_token(signed["guest"], ["whsec-k3y"], "store.example", now)

    assert (member.shop, member.customer_id, guest.customer_id) == ("store.example", "42", None)


@needs_php
def test_the_plugin_signs_an_admin_token_for_fifteen_minutes(tmp_path: Path) -> None:
    signed = run_plugin("https://store.example", tmp_path)

    assert claims(signed["admin"], "whsec-k3y", "wca1") == {
        "shop": "store.example",
        "user": "7",
        "exp": 1795186800 + 15 * 60,
    }


# WordPress's user and capability functions, as a test sets them, around the real plugin.
ADMIN_HARNESS = r"""<?php
define( 'ABSPATH', '/' );
class WC_Data_Store {
	static function load( $name ) { return new WC_Data_Store(); }
	function search_webhooks( $args ) { return array( 5 ); }
}
class Hook { function get_delivery_url() { return 'https://connector.example/webhooks/woocommerce/k'; }
	function get_secret() { return 'whsec-k3y'; } }
function wc_get_webhook( $id ) { return new Hook(); }
function add_action( ...$args ) {}
function add_filter( ...$args ) {}
function plugin_basename( $file ) { return basename( $file ); }
function wp_json_encode( $data ) { return json_encode( $data ); }
function wp_parse_url( $url, $component = -1 ) { return parse_url( $url, $component ); }
function home_url( $path = '' ) { return 'https://store.example' . $path; }
function untrailingslashit( $s ) { return rtrim( $s, '/' ); }
function get_option( $name, $default = '' ) { return 'https://connector.example'; }
function get_current_user_id() { return (int) $GLOBALS['argv'][1]; }
function current_user_can( $cap ) { return 'manage_woocommerce' === $cap && 'yes' === $GLOBALS['argv'][2]; }
require $GLOBALS['argv'][3];
echo json_encode( array( 'token' => refconn_current_admin_token() ) );
"""


def current_admin_token(user: int, can_manage: bool, tmp_path: Path) -> str:
    harness = tmp_path / "admin.php"
    harness.write_text(ADMIN_HARNESS)
    args = [str(harness), str(user), "yes" if can_manage else "no", str(PLUGIN)]
    done = subprocess.run(
        [PHP or "php", *args], capture_output=True, text=True, check=True, timeout=30
    )
    token: str = json.loads(done.stdout)["token"]
    return token


@needs_php
def test_only_a_user_who_manages_woocommerce_gets_an_admin_token(tmp_path: Path) -> None:
    manager = current_admin_token(3, True, tmp_path)

    assert claims(manager, "whsec-k3y", "wca1")["user"] == "3"
    assert current_admin_token(3, False, tmp_path) == ""
    assert current_admin_token(0, True, tmp_path) == ""
