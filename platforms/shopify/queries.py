"""Every Admin GraphQL document the Shopify adapter sends (API 2026-04).

Each document is a module-level string constant, so the test suite can find and validate every
one against Shopify's schema. Discounts use `context`, never the deprecated `customerSelection`; webhook
subscriptions use `uri`, never the deprecated `callbackUrl`; customers' email comes from
`defaultEmailAddress`, not the deprecated `Customer.email`.
"""

from __future__ import annotations

# Shared by the discount mutations and the lookup, so a create and a read-back look alike.
DISCOUNT_NODE_FIELDS = """
fragment ReferralDiscountNode on DiscountCodeNode {
  id
  codeDiscount {
    __typename
    ... on DiscountCodeBasic { title status }
    ... on DiscountCodeFreeShipping { title status }
  }
}
"""


def _discount_mutation(signature: str, call: str) -> str:
    """A discount mutation answering with the node (as the lookup reads it) and userErrors."""
    return (
        f"mutation {signature} {{\n  {call} {{\n"
        "    codeDiscountNode { ...ReferralDiscountNode }\n"
        "    userErrors { field code message }\n  }\n}\n" + DISCOUNT_NODE_FIELDS
    )


DISCOUNT_CODE_BASIC_CREATE = _discount_mutation(
    "ReferralDiscountCreate($input: DiscountCodeBasicInput!)",
    "discountCodeBasicCreate(basicCodeDiscount: $input)",
)

DISCOUNT_CODE_FREE_SHIPPING_CREATE = _discount_mutation(
    "ReferralFreeShippingCreate($input: DiscountCodeFreeShippingInput!)",
    "discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input)",
)

DISCOUNT_CODE_BASIC_UPDATE = _discount_mutation(
    "ReferralDiscountUpdate($id: ID!, $input: DiscountCodeBasicInput!)",
    "discountCodeBasicUpdate(id: $id, basicCodeDiscount: $input)",
)

DISCOUNT_CODE_DEACTIVATE = _discount_mutation(
    "ReferralDiscountDeactivate($id: ID!)", "discountCodeDeactivate(id: $id)"
)

CODE_DISCOUNT_NODE_BY_CODE = (
    """
query ReferralDiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { ...ReferralDiscountNode }
}
"""
    + DISCOUNT_NODE_FIELDS
)

CUSTOMER_ORDER_COUNT = """
query ReferralCustomerById($id: ID!) {
  customer(id: $id) {
    id
    numberOfOrders
    defaultEmailAddress { emailAddress marketingState }
  }
}
"""

CUSTOMER_ORDER_COUNT_BY_EMAIL = """
query ReferralCustomerByEmail($email: String!) {
  customerByIdentifier(identifier: {emailAddress: $email}) {
    id
    numberOfOrders
    defaultEmailAddress { emailAddress marketingState }
  }
}
"""

CUSTOMER_ID = """
query ReferralCustomerKnown($id: ID!) {
  customer(id: $id) { id }
}
"""

CUSTOMER_ID_BY_EMAIL = """
query ReferralCustomerIdByEmail($email: String!) {
  customerByIdentifier(identifier: {emailAddress: $email}) { id }
}
"""

CUSTOMER_CREATE = """
mutation ReferralCustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer { id }
    userErrors { field message }
  }
}
"""

STORE_CREDIT_ACCOUNT_CREDIT = """
mutation ReferralStoreCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
  storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
    storeCreditAccountTransaction {
      id
      amount { amount currencyCode }
      balanceAfterTransaction { amount currencyCode }
    }
    userErrors { field code message }
  }
}
"""

GIFT_CARD_CREATE = """
mutation ReferralGiftCardCreate($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) {
    giftCard { id lastCharacters }
    userErrors { field code message }
  }
}
"""

# Looks a card up by its full code (the default search covers codes); lastCharacters confirms it.
GIFT_CARDS_BY_CODE = """
query ReferralGiftCardByCode($query: String!) {
  giftCards(first: 5, query: $query) {
    nodes { id lastCharacters enabled }
  }
}
"""

GIFT_CARD_DEACTIVATE = """
mutation ReferralGiftCardDeactivate($id: ID!) {
  giftCardDeactivate(id: $id) {
    giftCard { id enabled }
    userErrors { field code message }
  }
}
"""

# Sized so one page stays well under the 1,000-point single-query cost limit.
ORDERS_UPDATED_SINCE = """
query ReferralOrdersUpdatedSince($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      legacyResourceId
      name
      number
      email
      createdAt
      updatedAt
      cancelledAt
      cancelReason
      test
      displayFinancialStatus
      currencyCode
      presentmentCurrencyCode
      clientIp
      discountCodes
      customAttributes { key value }
      subtotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      customerJourneySummary {
        lastVisit { landingPage referrerUrl referralCode }
      }
      customer {
        id
        legacyResourceId
        defaultEmailAddress { emailAddress }
      }
      shippingAddress { address1 address2 city zip provinceCode countryCodeV2 }
      lineItems(first: 20) {
        nodes {
          title
          quantity
          originalUnitPriceSet { shopMoney { amount } }
          product { legacyResourceId }
          variant { legacyResourceId }
        }
      }
      refunds(first: 10) {
        legacyResourceId
        createdAt
        transactions(first: 5) {
          nodes { kind status amountSet { shopMoney { amount } } }
        }
      }
    }
  }
}
"""

WEBHOOK_SUBSCRIPTIONS_AT = """
query ReferralWebhookSubscriptions($uri: String!) {
  webhookSubscriptions(first: 100, uri: $uri) {
    nodes { id topic uri }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation ReferralWebhookSubscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

# Customer segments, to restrict friend codes to new customers (`context.customerSegments`).
SEGMENTS = """
query ReferralSegments($first: Int!, $after: String) {
  segments(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name query }
  }
}
"""

SEGMENT_CREATE = """
mutation ReferralSegmentCreate($name: String!, $query: String!) {
  segmentCreate(name: $name, query: $query) {
    segment { id name query }
    userErrors { field message }
  }
}
"""

# A VIP tier's tag on the member's customer record (scope write_customers). Adding a tag the
# customer has, or removing one they do not, changes nothing: both are safe to repeat.
TAGS_ADD = """
mutation ReferralTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node { id }
    userErrors { field message }
  }
}
"""

TAGS_REMOVE = """
mutation ReferralTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    node { id }
    userErrors { field message }
  }
}
"""
