"""What the storefront widget sees: its configuration, joining, clicks, claims and the dashboard.

`api` answers the widget (copy, share link, a friend's offer, the signed-in advocate's own
numbers) under per-IP and per-shop rate limits; `tokens` checks the signed customer token a
WooCommerce or sandbox page renders; `assets` serves the widget's files and copy, versioned and
gzipped. It may call `services.base`, `services.shops`, `services.referrals` and
`services.rewards`; it never imports `admin`, so nothing a merchant sees can leak through it.
"""
