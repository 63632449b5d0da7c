"""The Shopify adapter: Admin GraphQL, webhooks, install and token handling."""
