<?php
/**
 * Plugin Name:       Referral Connector
 * Description:       Shows the referral widget on your store and records referrals on orders. Connect the store from your Referral Connector first.
 * Version:           0.1.0
 * Requires at least: 6.3
 * Requires PHP:      7.4
 * Requires Plugins:  woocommerce
 * License:           MIT
 * Text Domain:       referral-connector
 *
 * What it does, and nothing more:
 * - loads the widget's loader script from the connector, naming this shop and carrying a token
 *   signed here for the signed-in customer (the widget never decides who the shopper is);
 * - at checkout, classic or block, copies the referral the widget kept in the first-party
 *   `rw_ref` cookie into the order's meta, where the connector reads it from the order webhook;
 * - refuses a friend's coupon meant for first orders (the connector marks it) to a customer who
 *   already has a paid order, through WooCommerce's own coupon validation, with a clear message;
 * - a settings page (linked from the plugins list) for the connector's address;
 * - for the Referrals admin page: a short-lived admin token, signed here for a user who may
 *   manage WooCommerce, that the connector's admin API (/admin/api) accepts for this store.
 *
 * The token key is the secret of this store's webhook to the connector, which the connector set
 * when the store was connected; it never has to be copied by hand and never leaves the server.
 */

defined( 'ABSPATH' ) || exit;

const REFCONN_OPTION      = 'referral_connector_url';
const REFCONN_COOKIE      = 'rw_ref';
const REFCONN_META_REF    = '_referral_connector_ref';
const REFCONN_META_NEW_ONLY = '_referral_connector_new_customers';
const REFCONN_TOKEN_HOURS = 12;
const REFCONN_ADMIN_MINUTES = 15;

/** The connector's base URL as configured, without a trailing slash ('' when not set). */
function refconn_connector_url() {
	return untrailingslashit( (string) get_option( REFCONN_OPTION, '' ) );
}

/** This store's name at the connector: host, a non-default port, and a sub-directory, lower-case. */
function refconn_shop_name() {
	$parts = wp_parse_url( home_url() );
	$host  = rtrim( isset( $parts['host'] ) ? $parts['host'] : '', '.' );
	$port  = isset( $parts['port'] ) && ! in_array( (int) $parts['port'], array( 80, 443 ), true ) ? ':' . $parts['port'] : '';
	$path  = isset( $parts['path'] ) ? rtrim( $parts['path'], '/' ) : '';
	return strtolower( $host . $port . $path );
}

/** The secret of our webhook to the connector, or '' when the store is not connected. */
function refconn_signing_key( $connector ) {
	if ( '' === $connector || ! class_exists( 'WC_Data_Store' ) ) {
		return '';
	}
	$prefix = $connector . '/webhooks/woocommerce/';
	foreach ( WC_Data_Store::load( 'webhook' )->search_webhooks( array( 'limit' => -1 ) ) as $id ) {
		$webhook = wc_get_webhook( $id );
		if ( $webhook && 0 === strpos( $webhook->get_delivery_url(), $prefix ) ) {
			return (string) $webhook->get_secret();
		}
	}
	return '';
}

/** `$version.payload.signature`: the claims as base64url JSON, signed with HMAC-SHA256 (hex). */
function refconn_sign( $version, $claims, $key ) {
	$payload = rtrim( strtr( base64_encode( wp_json_encode( $claims ) ), '+/', '-_' ), '=' );
	return $version . '.' . $payload . '.' . hash_hmac( 'sha256', $version . '.' . $payload, $key );
}

/** A token naming this shop and the signed-in customer (null for a guest), valid for hours. */
function refconn_token( $key, $shop, $customer_id, $now ) {
	$claims = array(
		'shop'     => $shop,
		'customer' => $customer_id ? (string) $customer_id : null,
		'exp'      => $now + REFCONN_TOKEN_HOURS * 3600,
	);
	return refconn_sign( 'v1', $claims, $key );
}

/**
 * An admin token: lets the Referrals admin page call the connector's admin API (/admin/api,
 * `Authorization: Bearer <token>`) for this store as WordPress user $user_id, for 15 minutes.
 * Its own version ('wca1') is signed, so a storefront token never passes for it. Pure: call
 * refconn_current_admin_token(), which checks the user's capability first.
 */
function refconn_admin_token( $key, $shop, $user_id, $now ) {
	$claims = array(
		'shop' => $shop,
		'user' => (string) $user_id,
		'exp'  => $now + REFCONN_ADMIN_MINUTES * 60,
	);
	return refconn_sign( 'wca1', $claims, $key );
}

/** An admin token for the signed-in user, or '' unless they may manage WooCommerce and the store is connected. */
function refconn_current_admin_token() {
	$user_id = get_current_user_id();
	if ( ! $user_id || ! current_user_can( 'manage_woocommerce' ) ) {
		return '';
	}
	$key = refconn_signing_key( refconn_connector_url() );
	if ( '' === $key ) {
		return '';
	}
	return refconn_admin_token( $key, refconn_shop_name(), $user_id, time() );
}

/** The referral the widget kept in its cookie, if it looks like one. */
function refconn_cookie_referral() {
	if ( empty( $_COOKIE[ REFCONN_COOKIE ] ) ) {
		return '';
	}
	$ref = sanitize_text_field( wp_unslash( $_COOKIE[ REFCONN_COOKIE ] ) );
	return preg_match( '/^[A-Za-z0-9_-]{1,64}$/', $ref ) ? $ref : '';
}

/** Copy the referral into the order being placed (classic and block checkout alike). */
function refconn_record_referral( $order ) {
	$ref = refconn_cookie_referral();
	if ( '' !== $ref && $order instanceof WC_Order ) {
		$order->update_meta_data( REFCONN_META_REF, $ref );
	}
}
// Classic checkout: the order is saved right after this action.
add_action( 'woocommerce_checkout_create_order', 'refconn_record_referral', 10, 1 );
// Block checkout (Store API): the draft order is saved after this action.
add_action( 'woocommerce_store_api_checkout_update_order_meta', 'refconn_record_referral', 10, 1 );

/** True when the coupon is a referral offer the connector marked for first orders only. */
function refconn_is_first_order_coupon( $coupon ) {
	return is_object( $coupon ) && method_exists( $coupon, 'get_meta' ) && '1' === (string) $coupon->get_meta( REFCONN_META_NEW_ONLY );
}

/** True when the customer (a user id and/or a billing email) already has a paid order here. */
function refconn_has_paid_order( $user_id, $email ) {
	$paid  = function_exists( 'wc_get_is_paid_statuses' ) ? wc_get_is_paid_statuses() : array( 'processing', 'completed' );
	$asked = array( 'customer_id' => (int) $user_id, 'billing_email' => trim( (string) $email ) );
	foreach ( $asked as $field => $value ) {
		// A guest's orders carry only their billing email, so both are asked.
		if ( $value && wc_get_orders( array( $field => $value, 'status' => $paid, 'limit' => 1, 'return' => 'ids' ) ) ) {
			return true;
		}
	}
	return false;
}

/** What the shopper is told, in the store's language (Spanish or English). */
function refconn_first_order_message() {
	$locale = function_exists( 'determine_locale' ) ? determine_locale() : get_locale();
	return 0 === strpos( (string) $locale, 'es' )
		? 'Este descuento de recomendación es solo para tu primer pedido, y ya tienes un pedido pagado con nosotros.'
		: 'This referral discount is for a first order only, and you already have a paid order with us.';
}

/** The billing email WooCommerce knows for the shopper at this point ('' for an unknown guest). */
function refconn_shopper_email() {
	$wc = function_exists( 'WC' ) ? WC() : null;
	return $wc && $wc->customer ? (string) $wc->customer->get_billing_email() : '';
}

/**
 * woocommerce_coupon_is_valid: a first-order referral coupon is not valid for a customer with a
 * paid order. WooCommerce shows the message of the exception to the shopper (cart, classic and
 * block checkout alike), as it does for its own coupon rules.
 */
function refconn_first_order_gate( $valid, $coupon, $discounts = null ) {
	if ( $valid && refconn_is_first_order_coupon( $coupon ) && refconn_has_paid_order( get_current_user_id(), refconn_shopper_email() ) ) {
		throw new Exception( refconn_first_order_message(), 100 );
	}
	return $valid;
}
add_filter( 'woocommerce_coupon_is_valid', 'refconn_first_order_gate', 10, 3 );

/**
 * woocommerce_after_checkout_validation: a guest's email is known only once the checkout form is
 * sent, so the classic checkout asks again with it before the order is placed.
 */
function refconn_checkout_gate( $data, $errors ) {
	$email = isset( $data['billing_email'] ) ? $data['billing_email'] : '';
	$cart  = function_exists( 'WC' ) && WC()->cart ? WC()->cart : null;
	foreach ( $cart ? $cart->get_coupons() : array() as $coupon ) {
		if ( refconn_is_first_order_coupon( $coupon ) && refconn_has_paid_order( get_current_user_id(), $email ) ) {
			$errors->add( 'refconn_first_order_only', refconn_first_order_message() );
			return;
		}
	}
}
add_action( 'woocommerce_after_checkout_validation', 'refconn_checkout_gate', 10, 2 );

add_action(
	'wp_enqueue_scripts',
	function () {
		$connector = refconn_connector_url();
		if ( '' === $connector || is_admin() ) {
			return;
		}
		wp_enqueue_script( 'referral-connector', $connector . '/storefront/widget/loader.js', array(), null, array( 'strategy' => 'async', 'in_footer' => true ) );
	}
);

// The loader reads its settings from data attributes of its own script tag.
add_filter(
	'script_loader_tag',
	function ( $tag, $handle ) {
		if ( 'referral-connector' !== $handle ) {
			return $tag;
		}
		$key = refconn_signing_key( refconn_connector_url() );
		if ( '' === $key ) {
			return ''; // not connected yet: no widget rather than one that cannot sign in
		}
		$shop  = refconn_shop_name();
		$attrs = array(
			'data-platform'  => 'woocommerce',
			'data-shop'      => $shop,
			'data-token'     => refconn_token( $key, $shop, get_current_user_id(), time() ),
			'data-cart'      => 'woocommerce',
			'data-root'      => (string) wp_parse_url( home_url( '/' ), PHP_URL_PATH ),
			'data-store-api' => rest_url( 'wc/store/v1/' ),
		);
		$html = '';
		foreach ( $attrs as $name => $value ) {
			$html .= ' ' . $name . '="' . esc_attr( $value ) . '"';
		}
		return '<referral-widget></referral-widget>' . str_replace( ' src=', $html . ' src=', $tag );
	},
	10,
	2
);

// Settings: the connector's address, under Settings and linked from the plugins list.
add_action(
	'admin_init',
	function () {
		register_setting(
			'referral_connector',
			REFCONN_OPTION,
			array(
				'type'              => 'string',
				'sanitize_callback' => function ( $value ) {
					$url = esc_url_raw( trim( (string) $value ), array( 'https' ) );
					return untrailingslashit( $url );
				},
			)
		);
	}
);

add_action(
	'admin_menu',
	function () {
		add_options_page( __( 'Referral Connector', 'referral-connector' ), __( 'Referral Connector', 'referral-connector' ), 'manage_options', 'referral-connector', 'refconn_settings_page' );
	}
);

/** The settings page: the connector URL, and whether this store is connected to it. */
function refconn_settings_page() {
	$connector = refconn_connector_url();
	$connected = '' !== refconn_signing_key( $connector );
	echo '<div class="wrap"><h1>' . esc_html__( 'Referral Connector', 'referral-connector' ) . '</h1>';
	echo '<form method="post" action="options.php">';
	settings_fields( 'referral_connector' );
	echo '<table class="form-table"><tr><th scope="row"><label for="refconn-url">' . esc_html__( 'Connector URL', 'referral-connector' ) . '</label></th>';
	echo '<td><input id="refconn-url" class="regular-text" type="url" name="' . esc_attr( REFCONN_OPTION ) . '" value="' . esc_attr( $connector ) . '" placeholder="https://referrals.example.com"></td></tr></table>';
	submit_button();
	echo '</form><p>';
	if ( $connected ) {
		esc_html_e( 'Connected: the widget is shown on your store.', 'referral-connector' );
	} else {
		esc_html_e( 'Not connected yet: connect this store from the connector\'s /woocommerce/connect page.', 'referral-connector' );
	}
	echo '</p></div>';
}

add_filter(
	'plugin_action_links_' . plugin_basename( __FILE__ ),
	function ( $links ) {
		$url = admin_url( 'options-general.php?page=referral-connector' );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'referral-connector' ) . '</a>' );
		return $links;
	}
);

add_action(
	'before_woocommerce_init',
	function () {
		if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', __FILE__, true );
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'cart_checkout_blocks', __FILE__, true );
		}
	}
);

/*
 * The "Referrals" page under WooCommerce: the connector's admin pages (the same ones Shopify's
 * admin shows) in a frame, signed in with a short-lived admin token minted here for a user who
 * may manage WooCommerce. The token travels in the frame URL's fragment, so it never reaches a
 * server log; when it expires, the frame asks this page for a fresh one (admin-ajax, nonce).
 */
add_action(
	'admin_menu',
	function () {
		add_submenu_page( 'woocommerce', __( 'Referrals', 'referral-connector' ), __( 'Referrals', 'referral-connector' ), 'manage_woocommerce', 'referral-connector-admin', 'refconn_admin_page', 60 );
	},
	60
);

/** The frame's address: the connector's WooCommerce page for this shop, in the user's language. */
function refconn_admin_frame_url( $connector, $shop, $locale, $token ) {
	$query = http_build_query(
		array(
			'shop'   => $shop,
			'locale' => $locale,
		)
	);
	return $connector . '/admin/woocommerce?' . $query . '#token=' . rawurlencode( $token );
}

/** The page's HTML (pure): the frame, or what to do first when the store is not connected. */
function refconn_admin_page_html( $connector, $shop, $locale, $token, $nonce, $ajax_url, $settings_url ) {
	$html = '<div class="wrap refconn-admin"><h1>' . esc_html__( 'Referrals', 'referral-connector' ) . '</h1>';
	if ( '' === $connector || '' === $token ) {
		$html .= '<p>' . esc_html__( 'Connect this store to your Referral Connector first: enter its address in the plugin settings, then connect the store from the connector\'s /woocommerce/connect page.', 'referral-connector' ) . '</p>';
		$html .= '<p><a class="button button-primary" href="' . esc_url( $settings_url ) . '">' . esc_html__( 'Open the plugin settings', 'referral-connector' ) . '</a></p></div>';
		return $html;
	}
	$parts  = wp_parse_url( $connector );
	$origin = $parts['scheme'] . '://' . $parts['host'] . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
	$src    = refconn_admin_frame_url( $connector, $shop, $locale, $token );
	$html  .= '<iframe id="refconn-admin-frame" name="app-iframe" title="' . esc_attr__( 'Referral program', 'referral-connector' ) . '" src="' . esc_url( $src ) . '" style="display:block;width:100%;min-height:calc(100vh - 140px);border:0;background:#f1f1f1"></iframe></div>';
	$config = wp_json_encode(
		array(
			'origin' => $origin,
			'ajax'   => $ajax_url . '?action=refconn_admin_token&_wpnonce=' . rawurlencode( $nonce ),
		)
	);
	$html  .= '<script>(function (c) {'
		. 'var frame = document.getElementById("refconn-admin-frame");'
		. 'window.addEventListener("message", function (e) {'
		. 'if (e.origin !== c.origin || e.source !== frame.contentWindow || !e.data || e.data.type !== "refconn:token-expired") { return; }'
		. 'fetch(c.ajax, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {'
		. 'frame.contentWindow.postMessage({ type: "refconn:token", token: d && d.success ? d.data.token : "" }, c.origin);'
		. '}).catch(function () { frame.contentWindow.postMessage({ type: "refconn:token", token: "" }, c.origin); });'
		. '});'
		. '})(' . $config . ');</script>';
	return $html;
}

/** The Referrals page, for users who may manage WooCommerce. */
function refconn_admin_page() {
	if ( ! current_user_can( 'manage_woocommerce' ) ) {
		wp_die( esc_html__( 'Sorry, you are not allowed to manage referrals.', 'referral-connector' ) );
	}
	// Output is escaped piece by piece in refconn_admin_page_html().
	echo refconn_admin_page_html( // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped
		refconn_connector_url(),
		refconn_shop_name(),
		get_user_locale(),
		refconn_current_admin_token(),
		wp_create_nonce( 'refconn_admin_token' ),
		admin_url( 'admin-ajax.php' ),
		admin_url( 'options-general.php?page=referral-connector' )
	);
}

// A fresh admin token for the frame when its own has expired (the same checks as the page).
add_action(
	'wp_ajax_refconn_admin_token',
	function () {
		check_ajax_referer( 'refconn_admin_token' );
		$token = refconn_current_admin_token();
		if ( '' === $token ) {
			wp_send_json_error( null, 403 );
		}
		wp_send_json_success( array( 'token' => $token ) );
	}
);
