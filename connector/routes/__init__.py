"""HTTP routes: thin — parse, authenticate, call a service, shape the answer.

One module per surface, none importing another (import-linter keeps them apart): `webhooks`
(Shopify and sandbox deliveries), `woocommerce` (connecting a store and its deliveries),
`shopify_app` (App Home and the code-grant install), `admin/` (the admin JSON API), `admin_ui`
(the admin pages for Shopify and WP admin), `storefront` (the widget's API and the App Proxy),
`demo` (the sandbox store's pages), `notifications` (the unsubscribe link of marketing
emails) and `health`. What several share: `sessions` (the Shopify
session-token guard) and `clients` (the caller's address, trusting only named proxies).
"""
