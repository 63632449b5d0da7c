"""The WordPress plugin's Referrals admin page as PHP renders it: just enough of WordPress (the
escaping and JSON helpers, with WordPress's meaning) to load the plugin and call its pure page
function, with an admin token the plugin signs itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "widgets" / "woocommerce" / "referral-connector.php"
PHP = shutil.which("php")

HARNESS = r"""<?php
define( 'ABSPATH', '/' );
function add_action( ...$args ) {}
function add_filter( ...$args ) {}
function plugin_basename( $file ) { return basename( $file ); }
function wp_json_encode( $data ) { return json_encode( $data ); }
function wp_parse_url( $url, $component = -1 ) { return parse_url( $url, $component ); }
function esc_html__( $text, $domain = null ) { return htmlspecialchars( $text, ENT_QUOTES ); }
function esc_attr__( $text, $domain = null ) { return htmlspecialchars( $text, ENT_QUOTES ); }
function esc_url( $url ) { return htmlspecialchars( $url, ENT_QUOTES ); }
require $GLOBALS['argv'][1];
$a     = json_decode( $GLOBALS['argv'][2], true );
$token = '' === $a['key'] ? '' : refconn_admin_token( $a['key'], $a['shop'], $a['user'], $a['now'] );
echo json_encode( array(
	'token' => $token,
	'html'  => refconn_admin_page_html( $a['connector'], $a['shop'], $a['locale'], $token, $a['nonce'], $a['ajax'], $a['settings'] ),
) );
"""


@dataclass(frozen=True)
class AdminPage:
    """What the plugin rendered: the whole page's HTML and the token it signed into it."""

    html: str
    token: str


def render_admin_page(
    tmp: Path, *, connector: str, shop: str, key: str, now: int, locale: str = "en_US",
    user: int = 1, home: str = "https://store.example",
) -> AdminPage:  # fmt: skip
    """Run the plugin's page function under php-cli (`key` '' renders a store not connected)."""
    harness = tmp / "admin-page.php"
    harness.write_text(HARNESS)
    args = {
        "connector": connector, "shop": shop, "locale": locale, "key": key, "user": user,
        "now": now, "nonce": "n0nce", "ajax": f"{home}/wp-admin/admin-ajax.php",
        "settings": f"{home}/wp-admin/options-general.php?page=referral-connector",
    }  # fmt: skip
    done = subprocess.run(
        [PHP or "php", str(harness), str(PLUGIN), json.dumps(args)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    result = json.loads(done.stdout)
    return AdminPage(html=result["html"], token=result["token"])
