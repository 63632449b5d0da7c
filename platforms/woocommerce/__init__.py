"""WooCommerce: key provisioning, the REST API v3 client, webhooks, orders and coupons."""
