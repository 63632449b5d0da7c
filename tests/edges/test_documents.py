"""The OpenAPI documents state the limits the code checks, from the same constants."""

from __future__ import annotations

import json

from connector.routes.admin.base import MAX_ID
from connector.routes.admin.openapi import OPENAPI
from connector.routes.storefront import OPENAPI as STOREFRONT
from connector.services.base import limits
from connector.services.storefront.api import DOMAIN_MAX


def test_the_admin_document_states_the_text_limits_the_code_checks() -> None:
    body = OPENAPI["paths"]["/admin/api/advocates"]["post"]["requestBody"]
    fields = body["content"]["application/json"]["schema"]["properties"]

    assert {name: f["maxLength"] for name, f in fields.items()} == {
        "email": limits.EMAIL,
        "customer_id": limits.CUSTOMER_ID,
        "name": limits.NAME,
        "locale": limits.LOCALE,
    }
    note = OPENAPI["paths"]["/admin/api/referrals/{id}/approve"]["post"]["requestBody"]
    assert note["content"]["application/json"]["schema"]["properties"]["note"]["maxLength"] == (
        limits.NOTE
    )


def test_the_admin_document_states_the_id_and_cursor_bounds() -> None:
    diff = OPENAPI["paths"]["/admin/api/program/diff"]["get"]["parameters"]
    cursor = next(
        p for p in OPENAPI["paths"]["/admin/api/advocates"]["get"]["parameters"]
        if p["name"] == "cursor"
    )  # fmt: skip

    assert [p["schema"]["maximum"] for p in diff] == [MAX_ID, MAX_ID]
    # Every cursor the pattern admits is a 64-bit id.
    assert cursor["schema"]["pattern"] == "^[0-9]{1,18}$"
    assert int("9" * 18) <= MAX_ID


def test_the_storefront_document_states_the_shop_bound() -> None:
    document = json.loads(STOREFRONT.read_text())

    assert document["components"]["parameters"]["shop"]["schema"]["maxLength"] == DOMAIN_MAX
