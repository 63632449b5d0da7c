"""A fake Shopify Admin GraphQL endpoint on respx: a small stateful store that checks every request.

Each request's document and variables are validated against the real Admin schema
(`validate_operation`) before anything else, so all GraphQL the code sends in any test is
checked. Answers come from graphql-core executing the document against that same schema over
in-memory data, so they have Shopify's exact shape (only the fields asked for), plus
`extensions.cost`.

    with installed_fake() as fake:          # or the `fake_shopify` fixture
        fake.add_customer("ana@example.org", orders=2)
        fake.throttle_next(requested=50, available=10)   # script failures for the next requests
        ...                                 # code under test calls https://{fake.shop}/admin/...
        assert fake.operations == ["customerByIdentifier"]
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from graphql import FieldNode, execute_sync

from tests.support.shopify_payloads import SHOP
from tests.support.shopify_schema import InvalidOperation, admin_schema, validate_operation

API_VERSION = "2026-04"
ACCESS_TOKEN = "shpat_fake_0123456789abcdef"
MAXIMUM_AVAILABLE = 2000.0
RESTORE_RATE = 100.0
_SINCE = re.compile(r"updated_at:>=\s*'([^']+)'")

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Call:
    """One request the fake received (recorded after validation, before answering)."""

    operation_name: str | None
    root_fields: tuple[str, ...]
    variables: dict[str, Any]
    document: str
    headers: httpx.Headers


@dataclass
class FakeDiscount:
    """A code discount in the fake store."""

    node_id: str
    code: str
    typename: str
    title: str
    status: str = "ACTIVE"
    input: dict[str, Any] = field(default_factory=dict)

    def node(self) -> dict[str, Any]:
        """As a DiscountCodeNode."""
        return {
            "id": self.node_id,
            "codeDiscount": {
                "__typename": self.typename,
                "title": self.title,
                "status": self.status,
                "codes": {"nodes": [{"code": self.code}]},
            },
        }


@dataclass
class FakeGiftCard:
    """A gift card in the fake store (the code is write-only in Shopify; kept here for tests)."""

    gid: str
    code: str
    initial_value: Decimal
    customer_id: str | None
    note: str | None
    expires_on: str | None
    enabled: bool = True

    def node(self) -> dict[str, Any]:
        """As a GiftCard (only the last four characters of the code are readable)."""
        return {
            "id": self.gid,
            "lastCharacters": self.code[-4:].lower(),
            "maskedCode": "•••• •••• •••• " + self.code[-4:].lower(),
            "enabled": self.enabled,
            "note": self.note,
            "expiresOn": self.expires_on,
        }


@dataclass
class FakeCustomer:
    """A customer in the fake store."""

    legacy_id: int
    email: str | None
    number_of_orders: int = 0
    marketing_state: str = "NOT_SUBSCRIBED"  # defaultEmailAddress.marketingState
    tags: set[str] = field(default_factory=set)

    @property
    def gid(self) -> str:
        """The customer's global id."""
        return f"gid://shopify/Customer/{self.legacy_id}"

    def node(self) -> dict[str, Any]:
        """As a Customer (numberOfOrders and legacyResourceId are strings, as Shopify sends)."""
        return {
            "id": self.gid,
            "legacyResourceId": str(self.legacy_id),
            "numberOfOrders": str(self.number_of_orders),
            "defaultEmailAddress": (
                {"emailAddress": self.email, "marketingState": self.marketing_state}
                if self.email
                else None
            ),
        }


def cost_extension(requested: float, available: float) -> dict[str, Any]:
    """`extensions.cost` as Shopify reports it."""
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if available >= requested else None,
            "throttleStatus": {
                "maximumAvailable": MAXIMUM_AVAILABLE,
                "currentlyAvailable": available,
                "restoreRate": RESTORE_RATE,
            },
        }
    }


def data_response(data: Mapping[str, Any], *, cost: float = 10.0) -> httpx.Response:
    """A successful GraphQL answer carrying `data`."""
    return httpx.Response(
        200, json={"data": data, "extensions": cost_extension(cost, MAXIMUM_AVAILABLE - cost)}
    )


def _money(amount: str, currency: str) -> dict[str, Any]:
    bag = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": bag, "presentmentMoney": bag}


def _cursor(index: int) -> str:
    return base64.b64encode(f"fake-cursor:{index}".encode()).decode()


def _index(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1]) if cursor else 0


def _type_by_typename(value: Any, _info: Any, _abstract: Any) -> str:
    return str(value["__typename"])


class FakeShopify:
    """One shop's Admin GraphQL API, in memory."""

    def __init__(
        self, shop: str = SHOP, *, api_version: str = API_VERSION, access_token: str = ACCESS_TOKEN
    ) -> None:
        self.shop = shop
        self.api_version = api_version
        self.access_token = access_token
        self.discounts: dict[str, FakeDiscount] = {}
        self.customers: dict[str, FakeCustomer] = {}
        self.down = False  # an outage: every request answers 503 while it is set
        self.orders: list[dict[str, Any]] = []
        self.store_credit: dict[tuple[str, str], Decimal] = {}
        self.webhooks: list[dict[str, Any]] = []
        self.segments: list[dict[str, Any]] = []
        self.gift_cards: dict[str, FakeGiftCard] = {}
        self.calls: list[Call] = []
        self.invalid: list[InvalidOperation] = []
        self._scripted: list[Answer] = []
        self._ids = itertools.count(1001)

    @property
    def url(self) -> str:
        """The shop's Admin GraphQL endpoint."""
        return f"https://{self.shop}/admin/api/{self.api_version}/graphql.json"

    @property
    def operations(self) -> list[str]:
        """The root field of each request received, in order."""
        return [call.root_fields[0] for call in self.calls]

    # -- seeding -----------------------------------------------------------------------------

    def add_customer(
        self,
        email: str | None,
        *,
        orders: int = 0,
        customer_id: int | None = None,
        marketing: str = "NOT_SUBSCRIBED",
    ) -> str:
        """Add a customer who has placed `orders` orders (and the email marketing state given);
        returns the numeric id as a string."""
        customer = FakeCustomer(
            customer_id or 6_000_000_000_000 + next(self._ids), email, orders, marketing
        )
        self.customers[customer.gid] = customer
        return str(customer.legacy_id)

    def add_discount(self, code: str, *, status: str = "ACTIVE") -> FakeDiscount:
        """A discount that already exists in the store."""
        node_id = f"gid://shopify/DiscountCodeNode/{next(self._ids)}"
        discount = FakeDiscount(node_id, code, "DiscountCodeBasic", code, status)
        self.discounts[code.casefold()] = discount
        return discount

    def add_order(
        self,
        order_id: int,
        *,
        updated_at: datetime,
        total: str,
        email: str = "friend@example.org",
        customer_id: int | None = None,
        currency: str = "EUR",
        codes: Sequence[str] = (),
        financial_status: str = "PAID",
    ) -> dict[str, Any]:
        """An order (GraphQL shape); it counts towards its customer's orders."""
        customer = self.customers.get(f"gid://shopify/Customer/{customer_id}")
        if customer is not None:
            customer.number_of_orders += 1
        moment = updated_at.isoformat().replace("+00:00", "Z")
        number = 1000 + len(self.orders) + 1
        node = {
            "id": f"gid://shopify/Order/{order_id}",
            "legacyResourceId": str(order_id),
            "name": f"#{number}",
            "number": number,
            "email": email,
            "createdAt": moment,
            "updatedAt": moment,
            "cancelledAt": None,
            "cancelReason": None,
            "test": False,
            "displayFinancialStatus": financial_status,
            "currencyCode": currency,
            "presentmentCurrencyCode": currency,
            "clientIp": "203.0.113.7",
            "discountCodes": list(codes),
            "customAttributes": [],
            "subtotalPriceSet": _money(total, currency),
            "totalPriceSet": _money(total, currency),
            "customerJourneySummary": None,
            "customer": customer.node() if customer else None,
            "shippingAddress": None,
            "lineItems": {"nodes": []},
            "refunds": [],
        }
        self.orders.append(node)
        return node

    # -- scripting the next answers ----------------------------------------------------------

    def respond_next(self, *answers: Answer) -> None:
        """Answer the next requests with these (a response, or a function of the request)."""
        self._scripted.extend(answers)

    def fail_next(self, status: int, *, headers: Mapping[str, str] | None = None) -> None:
        """Answer the next request with a bare HTTP error."""
        self.respond_next(httpx.Response(status, headers=headers, text=f"HTTP {status}"))

    def timeout_next(self) -> None:
        """Let the next request time out while reading the answer."""

        def timeout(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("fake read timeout", request=request)

        self.respond_next(timeout)

    def throttle_next(
        self,
        *,
        requested: float,
        available: float,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next request with Shopify's THROTTLED error and cost data."""
        body = {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": cost_extension(requested, available),
        }
        self.respond_next(httpx.Response(status, headers=headers, json=body))

    # -- answering ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """respx side effect: validate, record, then answer (scripted first, else from state)."""
        body = json.loads(request.content)
        variables = body.get("variables") or {}
        try:
            checked = validate_operation(body.get("query", ""), variables)
        except InvalidOperation as exc:
            self.invalid.append(exc)
            raise
        operation = checked.operation
        root_fields = tuple(
            s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
        name = operation.name.value if operation.name else None
        self.calls.append(Call(name, root_fields, variables, body["query"], request.headers))
        if self.down:
            return httpx.Response(503, text="HTTP 503: the store is down")
        if self._scripted:
            answer = self._scripted.pop(0)
            return answer if isinstance(answer, httpx.Response) else answer(request)
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return httpx.Response(
                401,
                json={
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
            )
        resolvers = self._resolvers()
        unknown = [f for f in root_fields if f not in resolvers]
        if unknown:
            raise NotImplementedError(f"the fake Shopify does not implement {unknown}")
        result = execute_sync(
            admin_schema(),
            checked.document,
            root_value=resolvers,
            variable_values=variables,
            type_resolver=_type_by_typename,
        )
        if result.errors:
            raise AssertionError(f"the fake Shopify failed to answer: {result.errors}")
        cost = 10.0 if operation.operation.value == "mutation" else 2.0
        return data_response(result.data or {}, cost=cost)

    # Resolvers take the GraphQL argument names (camelCase) as keywords: graphql-core passes them so.
    def _resolvers(self) -> dict[str, Callable[..., Any]]:
        return {
            "codeDiscountNodeByCode": self._discount_by_code,
            "discountCodeBasicCreate": self._basic_create,
            "discountCodeFreeShippingCreate": self._free_shipping_create,
            "discountCodeBasicUpdate": self._basic_update,
            "discountCodeDeactivate": self._deactivate,
            "customer": self._customer,
            "customerByIdentifier": self._customer_by_identifier,
            "customerCreate": self._customer_create,
            "storeCreditAccountCredit": self._store_credit,
            "orders": self._orders,
            "webhookSubscriptions": self._webhook_subscriptions,
            "webhookSubscriptionCreate": self._webhook_create,
            "segments": self._segments,
            "segmentCreate": self._segment_create,
            "tagsAdd": self._tags_add,
            "tagsRemove": self._tags_remove,
            "giftCardCreate": self._gift_card_create,
            "giftCards": self._gift_cards,
            "giftCardDeactivate": self._gift_card_deactivate,
        }

    def _gift_card_create(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        code = str(input.get("code") or f"FAKE{next(self._ids):012d}")
        error: dict[str, Any] | None = None
        if not (8 <= len(code) <= 20 and code.isalnum()):
            error = {"field": ["input", "code"], "code": "INVALID", "message": "Code is invalid"}
        elif code.casefold() in self.gift_cards:
            error = {"field": ["input", "code"], "code": "TAKEN", "message": "Code has already been taken"}
        elif input.get("customerId") and input["customerId"] not in self.customers:
            error = {"field": ["input", "customerId"], "code": "CUSTOMER_NOT_FOUND",
                     "message": "Customer does not exist"}  # fmt: skip
        elif Decimal(str(input["initialValue"])) <= 0:
            error = {"field": ["input", "initialValue"], "code": "GREATER_THAN",
                     "message": "Initial value must be greater than 0"}  # fmt: skip
        if error is not None:
            return {"giftCard": None, "giftCardCode": None, "userErrors": [error]}
        card = FakeGiftCard(
            f"gid://shopify/GiftCard/{next(self._ids)}", code, Decimal(str(input["initialValue"])),
            input.get("customerId"), input.get("note"), input.get("expiresOn"),
        )  # fmt: skip
        self.gift_cards[code.casefold()] = card
        return {"giftCard": card.node(), "giftCardCode": code.lower(), "userErrors": []}

    def _gift_cards(self, _info: Any, query: str | None = None, **_: Any) -> dict[str, Any]:
        wanted = (query or "").strip().casefold()
        nodes = [c.node() for c in self.gift_cards.values() if not wanted or c.code.casefold() == wanted]
        return {"nodes": nodes, "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}

    def _gift_card_deactivate(self, _info: Any, id: str) -> dict[str, Any]:
        found = [c for c in self.gift_cards.values() if c.gid == id]
        if not found:
            error = {"field": ["id"], "code": "GIFT_CARD_NOT_FOUND", "message": "Gift card not found"}
            return {"giftCard": None, "userErrors": [error]}
        found[0].enabled = False
        return {"giftCard": found[0].node(), "userErrors": []}

    def _tagged(self, id: str, tags: list[str], add: bool) -> dict[str, Any]:
        customer = self.customers.get(id)
        if customer is None:
            error = {"field": ["id"], "message": "Customer does not exist"}
            return {"node": None, "userErrors": [error]}
        words = {t.strip() for tag in tags for t in tag.split(",") if t.strip()}
        customer.tags = customer.tags | words if add else customer.tags - words
        return {"node": {"__typename": "Customer", **customer.node()}, "userErrors": []}

    def _tags_add(self, _info: Any, id: str, tags: list[str]) -> dict[str, Any]:
        return self._tagged(id, tags, add=True)

    def _tags_remove(self, _info: Any, id: str, tags: list[str]) -> dict[str, Any]:
        return self._tagged(id, tags, add=False)

    def _discount_by_code(self, _info: Any, code: str) -> dict[str, Any] | None:
        discount = self.discounts.get(code.casefold())
        return discount.node() if discount else None

    def _create(self, typename: str, argument: str, data: dict[str, Any]) -> dict[str, Any]:
        errors = []
        if data["code"].casefold() in self.discounts:
            errors.append(
                {
                    "field": [argument, "code"],
                    "code": "TAKEN",
                    "message": "Code must be unique. Please try a different code.",
                }
            )
        limit = data.get("usageLimit")
        if limit is not None and limit < 1:
            errors.append(
                {
                    "field": [argument, "usageLimit"],
                    "code": "GREATER_THAN",
                    "message": "Usage limit must be greater than 0",
                }
            )
        percentage = ((data.get("customerGets") or {}).get("value") or {}).get("percentage")
        if percentage is not None and not 0 < percentage <= 1:
            errors.append(
                {
                    "field": [argument, "customerGets", "value", "percentage"],
                    "code": "VALUE_OUTSIDE_RANGE",
                    "message": "Value must be between 0.0 and 1.0",
                }
            )
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        node_id = f"gid://shopify/DiscountCodeNode/{next(self._ids)}"
        discount = FakeDiscount(node_id, data["code"], typename, data["title"], input=data)
        self.discounts[data["code"].casefold()] = discount
        return {"codeDiscountNode": discount.node(), "userErrors": []}

    def _basic_create(self, _info: Any, basicCodeDiscount: dict[str, Any]) -> dict[str, Any]:
        return self._create("DiscountCodeBasic", "basicCodeDiscount", basicCodeDiscount)

    def _free_shipping_create(
        self,
        _info: Any,
        freeShippingCodeDiscount: dict[str, Any],
    ) -> dict[str, Any]:
        return self._create(
            "DiscountCodeFreeShipping", "freeShippingCodeDiscount", freeShippingCodeDiscount
        )

    def _basic_update(
        self, _info: Any, id: str, basicCodeDiscount: dict[str, Any]
    ) -> dict[str, Any]:
        found = [d for d in self.discounts.values() if d.node_id == id]
        if not found or found[0].typename != "DiscountCodeBasic":
            error = {"field": ["id"], "code": "INVALID", "message": "Discount does not exist"}
            return {"codeDiscountNode": None, "userErrors": [error]}
        found[0].input.update(basicCodeDiscount)
        found[0].title = basicCodeDiscount.get("title", found[0].title)
        return {"codeDiscountNode": found[0].node(), "userErrors": []}

    def _deactivate(self, _info: Any, id: str) -> dict[str, Any]:
        found = [d for d in self.discounts.values() if d.node_id == id]
        if not found:
            return {
                "codeDiscountNode": None,
                "userErrors": [
                    {"field": ["id"], "code": "INVALID", "message": "Discount does not exist"}
                ],
            }
        found[0].status = "EXPIRED"
        return {"codeDiscountNode": found[0].node(), "userErrors": []}

    def _customer(self, _info: Any, id: str) -> dict[str, Any] | None:
        customer = self.customers.get(id)
        return customer.node() if customer else None

    def _customer_create(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        email = str(input.get("email") or "")
        if any((c.email or "").casefold() == email.casefold() for c in self.customers.values()):
            error = {"field": ["email"], "message": "Email has already been taken"}
            return {"customer": None, "userErrors": [error]}
        created = self.add_customer(email or None)
        return {
            "customer": self.customers[f"gid://shopify/Customer/{created}"].node(),
            "userErrors": [],
        }

    def _customer_by_identifier(
        self, _info: Any, identifier: dict[str, Any]
    ) -> dict[str, Any] | None:
        wanted = str(identifier.get("emailAddress") or "").casefold()
        for customer in self.customers.values():
            if wanted and (customer.email or "").casefold() == wanted:
                return customer.node()
        return None

    def _store_credit(
        self,
        _info: Any,
        id: str,
        creditInput: dict[str, Any],
    ) -> dict[str, Any]:
        credit = creditInput["creditAmount"]
        amount, currency = Decimal(credit["amount"]), str(credit["currencyCode"])
        if id not in self.customers:
            error = {"field": ["id"], "code": "OWNER_NOT_FOUND", "message": "Owner does not exist"}
        elif amount <= 0:
            error = {
                "field": ["creditInput", "creditAmount", "amount"],
                "code": "NEGATIVE_OR_ZERO_AMOUNT",
                "message": "A positive amount must be used to credit a store credit account",
            }
        else:
            balance = self.store_credit.get((id, currency), Decimal("0")) + amount
            self.store_credit[(id, currency)] = balance
            transaction = {
                "id": f"gid://shopify/StoreCreditAccountCreditTransaction/{next(self._ids)}",
                "amount": {"amount": str(amount), "currencyCode": currency},
                "balanceAfterTransaction": {"amount": str(balance), "currencyCode": currency},
            }
            return {"storeCreditAccountTransaction": transaction, "userErrors": []}
        return {"storeCreditAccountTransaction": None, "userErrors": [error]}

    def _orders(
        self,
        _info: Any,
        first: int | None = None,
        after: str | None = None,
        query: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        nodes = sorted(self.orders, key=lambda o: datetime.fromisoformat(o["updatedAt"]))
        if query:
            match = _SINCE.fullmatch(query.strip())
            if match is None:
                raise NotImplementedError(f"the fake understands updated_at:>='...' only: {query}")
            since = datetime.fromisoformat(match.group(1))
            nodes = [o for o in nodes if datetime.fromisoformat(o["updatedAt"]) >= since]
        start = _index(after)
        page = nodes[start : start + (first or 50)]
        end = start + len(page)
        return {
            "nodes": page,
            "edges": [{"node": n, "cursor": _cursor(start + i + 1)} for i, n in enumerate(page)],
            "pageInfo": {
                "hasNextPage": end < len(nodes),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start + 1) if page else None,
                "endCursor": _cursor(end) if page else None,
            },
        }

    def _webhook_subscriptions(self, _info: Any, uri: str | None = None, **_: Any) -> Any:
        return {"nodes": [w for w in self.webhooks if uri is None or w["uri"] == uri]}

    def _webhook_create(
        self,
        _info: Any,
        topic: str,
        webhookSubscription: dict[str, Any],
    ) -> dict[str, Any]:
        uri = webhookSubscription["uri"]
        if any(w["topic"] == topic and w["uri"] == uri for w in self.webhooks):
            errors = [
                {
                    "field": ["webhookSubscription", "uri"],
                    "message": "Address for this topic has already been taken",
                }
            ]
            return {"webhookSubscription": None, "userErrors": errors}
        subscription = {
            "id": f"gid://shopify/WebhookSubscription/{next(self._ids)}",
            "topic": topic,
            "uri": uri,
        }
        self.webhooks.append(subscription)
        return {"webhookSubscription": subscription, "userErrors": []}

    def add_segment(self, name: str, query: str) -> str:
        """A customer segment that already exists in the store; returns its id."""
        segment = {"id": f"gid://shopify/Segment/{next(self._ids)}", "name": name, "query": query}
        self.segments.append(segment)
        return str(segment["id"])

    def _segments(
        self, _info: Any, first: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        start = _index(after)
        page = self.segments[start : start + (first or 50)]
        end = start + len(page)
        return {
            "nodes": page,
            "pageInfo": {
                "hasNextPage": end < len(self.segments),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start + 1) if page else None,
                "endCursor": _cursor(end) if page else None,
            },
        }

    def _segment_create(self, _info: Any, name: str, query: str) -> dict[str, Any]:
        if any(s["name"] == name for s in self.segments):
            errors = [{"field": ["name"], "message": "Name has already been taken"}]
            return {"segment": None, "userErrors": errors}
        self.add_segment(name, query)
        return {"segment": self.segments[-1], "userErrors": []}


@contextmanager
def installed_fake(shop: str = SHOP) -> Iterator[FakeShopify]:
    """Route this shop's Admin GraphQL URL to a new fake; any other request fails the test."""
    admin_schema()  # skip (or fail on CI) before the test runs when the schema is absent
    fake = FakeShopify(shop)
    with respx.mock(assert_all_called=False) as router:
        router.post(fake.url).mock(side_effect=fake.handle)
        yield fake
    assert fake.invalid == [], "the code sent GraphQL that Shopify would refuse"


@pytest.fixture
def fake_shopify() -> Iterator[FakeShopify]:
    """The fake Shopify Admin API for one test (register it by importing it in a conftest)."""
    with installed_fake() as fake:
        yield fake
