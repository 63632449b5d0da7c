"""Services: what the connector does, grouped by capability. Called by routes and the CLI.

The packages, from the bottom up (each may call only those below it; import-linter keeps it so):

- `base`: the runtime (settings, vault, HTTP client, adapters, clock), the inbox writer, rate
  limits, savepoints, health.
- `pipeline`: ingest, the worker and its `Handler` protocol, the operator's view of deliveries.
- `shops`: installs, credentials, token refresh, app lifecycle, WooCommerce keys and receipt.
- `analytics` and `outbound`: the rollups kept with every order, referral, reward and widget
  event, and the KPIs read from them; the merchant's webhook endpoints, the events queued for
  them with the events themselves, and their signed delivery.
- `referrals`: programs, advocates, friend codes, crediting an order once, changes, views,
  sign-ups, the simulator, reconciliation.
- `rewards`: the reward outbox and issuing, loyalty points, payouts, contests.
- `storefront`, `privacy` and `notifications`: the widget's API; the compliance topics and
  personal-data sources; sending the message outbox (email, WhatsApp), templates, unsubscribes.
- `admin`: what the merchant's admin needs beyond the capabilities' own services.
- `handlers` (the composition root: every capability's handlers and periodic jobs, wired into
  the pipeline's worker) and `demo` (the sandbox store `connector demo` runs).
"""
