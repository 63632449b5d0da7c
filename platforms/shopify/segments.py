"""The customer segment of new customers (no orders yet), found by name or created once."""

from __future__ import annotations

from platforms.base import PlatformRejected, StoreCredentials
from platforms.shopify import queries
from platforms.shopify.graphql import AdminGraphQL

NEW_CUSTOMERS_NAME = "Referral program: new customers"
# ShopifyQL segment filter: customers who have not placed an order.
NEW_CUSTOMERS_QUERY = "number_of_orders = 0"
PAGE_SIZE = 100


async def find_segment(gql: AdminGraphQL, creds: StoreCredentials, name: str) -> str | None:
    """The id of the segment named `name`, or None; names are unique per shop."""
    after: str | None = None
    while True:
        data = await gql.query(creds, queries.SEGMENTS, {"first": PAGE_SIZE, "after": after})
        connection = data.get("segments") or {}
        for node in connection.get("nodes") or ():
            if node.get("name") == name:
                return str(node["id"])
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return None
        after = str(page["endCursor"])


async def new_customer_segment(gql: AdminGraphQL, creds: StoreCredentials) -> str:
    """The id of our new-customers segment, created the first time it is needed."""
    found = await find_segment(gql, creds, NEW_CUSTOMERS_NAME)
    if found is not None:
        return found
    try:
        payload = await gql.mutate(
            creds,
            queries.SEGMENT_CREATE,
            {"name": NEW_CUSTOMERS_NAME, "query": NEW_CUSTOMERS_QUERY},
            "segmentCreate",
        )
    except PlatformRejected:
        # Another worker may have created it between our look-up and our create: names are unique.
        found = await find_segment(gql, creds, NEW_CUSTOMERS_NAME)
        if found is None:
            raise
        return found
    segment = payload.get("segment") or {}
    if not segment.get("id"):
        raise PlatformRejected("segmentCreate returned no segment", code="NO_PAYLOAD")
    return str(segment["id"])
