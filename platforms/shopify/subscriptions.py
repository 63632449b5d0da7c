"""Shop-specific webhook subscriptions through Admin GraphQL (`uri`, never `callbackUrl`)."""

from __future__ import annotations

from collections.abc import Sequence

from platforms.base import PlatformRejected, StoreCredentials
from platforms.shopify import queries
from platforms.shopify.graphql import AdminGraphQL

# Shopify takes the privacy topics only from the app configuration, never through the API.
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


def topic_enum(topic: str) -> str:
    """`orders/paid` as the WebhookSubscriptionTopic value `ORDERS_PAID`."""
    return topic.strip().replace("/", "_").upper()


async def register_webhooks(
    gql: AdminGraphQL, creds: StoreCredentials, topics: Sequence[str], callback_url: str
) -> list[str]:
    """Subscribe each topic to callback_url once; an existing subscription is reused."""
    data = await gql.query(creds, queries.WEBHOOK_SUBSCRIPTIONS_AT, {"uri": callback_url})
    existing = {
        str(node["topic"]): str(node["id"])
        for node in (data.get("webhookSubscriptions") or {}).get("nodes") or ()
        if node.get("uri") == callback_url
    }
    ids = []
    for topic in topics:
        if topic in COMPLIANCE_TOPICS:
            continue
        enum = topic_enum(topic)
        if enum not in existing:
            payload = await gql.mutate(
                creds,
                queries.WEBHOOK_SUBSCRIPTION_CREATE,
                {"topic": enum, "sub": {"uri": callback_url, "format": "JSON"}},
                "webhookSubscriptionCreate",
            )
            created = payload.get("webhookSubscription") or {}
            if not created.get("id"):
                raise PlatformRejected(f"no subscription created for {topic}", code="NO_PAYLOAD")
            existing[enum] = str(created["id"])
        ids.append(existing[enum])
    return ids
