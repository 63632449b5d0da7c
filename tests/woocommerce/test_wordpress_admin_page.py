"""The plugin's Referrals page under WooCommerce, as PHP renders it: the connector's pages in a
frame for this shop and the user's language, with an admin token the connector accepts; what to
do first when the store is not connected; a fresh token only with the nonce and the capability."""

from __future__ import annotations

import html
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from connector.services.admin.access import verify_admin_token
from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import save_credentials
from tests.support import woocommerce_payloads as woo
from tests.support.wordpress import PHP, PLUGIN, render_admin_page
from tests.woocommerce.conftest import creds_for

needs_php = pytest.mark.skipif(PHP is None, reason="php-cli is not installed (CI installs it)")
CONNECTOR = "https://referrals.example.com"


def frame_src(page: str) -> str:
    match = re.search(r'<iframe id="refconn-admin-frame" name="app-iframe" [^>]*src="([^"]+)"', page)
    assert match, "the page frames the connector"
    return html.unescape(match.group(1))


@needs_php
async def test_the_page_frames_the_connector_with_a_token_it_accepts(
    runtime: Runtime, tmp_path: Path
) -> None:
    await save_credentials(runtime, creds_for(woo.HOME))
    now = int(time.time())

    page = render_admin_page(tmp_path, connector=CONNECTOR, shop=woo.SHOP,
                             key=woo.WEBHOOK_SECRET, now=now, locale="es_ES", user=7)  # fmt: skip

    src = urlsplit(frame_src(page.html))
    assert (src.scheme, src.netloc, src.path) == ("https", "referrals.example.com", "/admin/woocommerce")
    assert parse_qs(src.query) == {"shop": [woo.SHOP], "locale": ["es_ES"]}
    assert unquote(src.fragment) == f"token={page.token}"
    access = await verify_admin_token(runtime, page.token, datetime.now(UTC))
    assert (access.shop.domain, access.user) == (woo.SHOP, "7")
    # The renewal script only listens to the connector's origin and asks with the nonce.
    assert '"origin":"https:\\/\\/referrals.example.com"' in page.html
    assert "action=refconn_admin_token&_wpnonce=n0nce" in page.html


@needs_php
def test_a_store_not_connected_is_told_what_to_do_first(tmp_path: Path) -> None:
    page = render_admin_page(tmp_path, connector=CONNECTOR, shop=woo.SHOP, key="", now=0)

    assert "<iframe" not in page.html
    assert "Connect this store to your Referral Connector first" in page.html
    assert 'href="https://store.example/wp-admin/options-general.php?page=referral-connector"' in (
        page.html
    )


GUARDS = r"""<?php
define( 'ABSPATH', '/' );
$GLOBALS['hooks'] = array();
function add_action( $name, $callback = null ) { $GLOBALS['hooks'][ $name ] = $callback; }
function add_filter( ...$args ) {}
function plugin_basename( $file ) { return basename( $file ); }
function esc_html__( $text, $domain = null ) { return $text; }
function current_user_can( $capability ) { return 'yes' === $GLOBALS['argv'][2] && 'manage_woocommerce' === $capability; }
function get_current_user_id() { return 7; }
function get_option( $name, $default = '' ) { return 'https://referrals.example.com'; }
function untrailingslashit( $text ) { return rtrim( $text, '/' ); }
function home_url( $path = '' ) { return 'https://store.example' . $path; }
function wp_parse_url( $url, $component = -1 ) { return parse_url( $url, $component ); }
function wp_json_encode( $data ) { return json_encode( $data ); }
function wp_die( $message ) { echo 'DIE: ' . $message; exit; }
function check_ajax_referer( $action ) { if ( 'good' !== $GLOBALS['argv'][3] ) { echo 'DIE: -1'; exit; } }
function refconn_signing_key( $connector ) { return 'whsec-k3y'; }
function wp_send_json_error( $data, $status ) { echo 'ERROR ' . $status; exit; }
function wp_send_json_success( $data ) { echo 'TOKEN ' . substr( $data['token'], 0, 5 ); exit; }
require $GLOBALS['argv'][1];
if ( 'page' === $GLOBALS['argv'][4] ) { refconn_admin_page(); } else { $GLOBALS['hooks']['wp_ajax_refconn_admin_token'](); }
"""


@needs_php
@pytest.mark.parametrize(
    ("can", "nonce", "what", "answer"),
    [
        ("no", "good", "page", "DIE: Sorry, you are not allowed to manage referrals."),
        ("no", "good", "ajax", "ERROR 403"),
        ("yes", "bad", "ajax", "DIE: -1"),
        ("yes", "good", "ajax", "TOKEN wca1."),
    ],
)
def test_the_page_and_its_token_renewal_need_the_capability_and_the_nonce(
    tmp_path: Path, can: str, nonce: str, what: str, answer: str
) -> None:
    harness = tmp_path / "guards.php"
    # refconn_signing_key is the plugin's: the harness defines it first, so drop the plugin's.
    plugin = tmp_path / "plugin.php"
    source = PLUGIN.read_text()
    start = source.index("function refconn_signing_key(")
    end = source.index("\n}\n", start) + 3
    plugin.write_text(source[:start] + source[end:])
    harness.write_text(GUARDS)

    done = subprocess.run([PHP or "php", str(harness), str(plugin), can, nonce, what],
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip

    assert done.stdout == answer
