"""A store being ours to talk to: install, credentials, token refresh, lifecycle, WooCommerce keys.

`install` turns Shopify's proof (a session token or an OAuth code) into stored credentials;
`credentials` encrypts them into the shop row and decrypts them only in memory; `tokens` refreshes
expiring offline tokens once at a time; `lifecycle` handles app/uninstalled and
app/scopes_update; `woocommerce_connect` connects a WooCommerce store and keeps its webhooks
alive, and `woocommerce_ingest` receives a delivery whose URL key names the shop;
`shopify_config` writes shopify.app.toml. It may call `services.base`, `services.pipeline` (the
handler protocol, the ingest path) and the platform adapters through the registry.
"""
