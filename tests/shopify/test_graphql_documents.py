"""Every GraphQL document in platforms/shopify/queries.py is valid against the 2026-04 schema.

Documents are discovered, not listed: a constant added to queries.py is validated automatically.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

from platforms.shopify import queries
from tests.support.shopify_schema import (
    SCHEMA_ENV,
    InvalidOperation,
    admin_schema,
    validate_operation,
)

DEPRECATED = ("customerSelection", "callbackUrl")


def _operation_documents() -> dict[str, str]:
    """Module-level strings of queries.py that hold at least one operation."""
    found = {}
    for name, value in vars(queries).items():
        if name.startswith("_") or not isinstance(value, str):
            continue
        try:
            document = parse(value)
        except GraphQLSyntaxError:
            continue
        if any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
            found[name] = value
    return found


DOCUMENTS = _operation_documents()


def test_the_documents_are_found() -> None:
    assert set(DOCUMENTS) >= {
        "DISCOUNT_CODE_BASIC_CREATE",
        "DISCOUNT_CODE_FREE_SHIPPING_CREATE",
        "CODE_DISCOUNT_NODE_BY_CODE",
        "DISCOUNT_CODE_DEACTIVATE",
        "CUSTOMER_ORDER_COUNT",
        "CUSTOMER_ORDER_COUNT_BY_EMAIL",
        "STORE_CREDIT_ACCOUNT_CREDIT",
        "ORDERS_UPDATED_SINCE",
        "WEBHOOK_SUBSCRIPTION_CREATE",
    }


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_and_uses_nothing_deprecated(name: str) -> None:
    checked = validate_operation(DOCUMENTS[name])

    assert checked.operation.name is not None, "name every operation so logs can say which ran"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_avoids_deprecated_inputs_by_name(name: str) -> None:
    assert [word for word in DEPRECATED if word in DOCUMENTS[name]] == []


# -- the checker itself: it must refuse what Shopify (or our rules) would refuse ----------------

CREATE_INPUT = {
    "title": "t",
    "code": "C",
    "startsAt": "2026-11-20T15:00:00Z",
    "context": {"all": "ALL"},
    "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
}


def test_checker_accepts_good_variables() -> None:
    checked = validate_operation(queries.DISCOUNT_CODE_BASIC_CREATE, {"input": CREATE_INPUT})

    assert checked.variables["input"]["context"] == {"all": "ALL"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"customerSelection": {"all": True}}, "$input.customerSelection is deprecated"),
        ({"startsAt": "2026-11-20"}, "$input.startsAt: DateTime must be a string in its format"),
        ({"minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": 25.0}}}, "Decimal"),
        ({"usageLimit": "1"}, "$input.usageLimit: Int cannot represent non-integer value: '1'"),
        ({"bogus": 1}, "'bogus'"),
    ],
)
def test_checker_refuses_bad_variables(change: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidOperation) as raised:
        validate_operation(queries.DISCOUNT_CODE_BASIC_CREATE, {"input": CREATE_INPUT | change})

    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_checker_refuses_missing_and_undeclared_variables() -> None:
    with pytest.raises(InvalidOperation) as raised:
        validate_operation(queries.CUSTOMER_ORDER_COUNT, {"customerId": "gid://shopify/Customer/1"})

    assert raised.value.problems == [
        "$id (ID!) is required but was not given",
        "$customerId is not declared by the operation",
    ]


def test_checker_refuses_deprecated_fields_and_unknown_fields() -> None:
    with pytest.raises(InvalidOperation) as raised:
        validate_operation("query Q($id: ID!) { customer(id: $id) { email bogus } }")

    # Suggestions ("Did you mean ...?") vary between graphql-core versions.
    assert [p.split(" Did you mean")[0] for p in raised.value.problems] == [
        "The field Customer.email is deprecated. Use `defaultEmailAddress.emailAddress` instead.",
        "Cannot query field 'bogus' on type 'Customer'.",
    ]


def test_missing_schema_skips_locally_and_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SCHEMA_ENV, str(tmp_path / "absent.json"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        admin_schema()

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        admin_schema()
