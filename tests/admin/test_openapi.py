"""The admin API's OpenAPI document names every route and method, and the rows' real fields."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from starlette.routing import Mount, Route

from connector.app import all_routes
from connector.domain.program.changes import Change
from connector.routes.admin.api import PREFIX
from connector.routes.admin.openapi import OPENAPI
from connector.services.admin.adjustments import AdjustmentRow
from connector.services.admin.merchant import AdvocateReward, AdvocateStats, Alert, Friend
from connector.services.admin.overview import Overview
from connector.services.admin.settings import PartnerRow, ShopSettings
from connector.services.notifications.outbox import MessageRow
from connector.services.pipeline.deliveries import DeliveryRow
from connector.services.referrals.advocates import AdvocateRow
from connector.services.referrals.programs import VersionRow
from connector.services.referrals.records import CauseKind
from connector.services.referrals.views import EventRow, ReferralRow, RewardRow
from connector.services.rewards.payouts import Payout

METHODS = {"get", "put", "post", "delete", "patch"}


def registered() -> set[tuple[str, str]]:
    """(path, method) of every route of the app under /admin/api, however it is mounted."""
    found = set()
    for route in all_routes():
        inner = route.routes if isinstance(route, Mount) else [route]
        prefix = route.path if isinstance(route, Mount) else ""
        for r in inner:
            assert isinstance(r, Route)
            path = prefix + r.path_format
            if path.startswith(PREFIX + "/"):
                found |= {(path, m.lower()) for m in r.methods or () if m != "HEAD"}
    return found


def test_every_admin_route_and_method_is_described_and_nothing_else() -> None:
    described = {
        (path, method) for path, item in OPENAPI["paths"].items() for method in item
        if method in METHODS
    }  # fmt: skip

    assert len(registered()) == 51
    assert described == registered()


@pytest.mark.parametrize(
    ("schema", "row"),
    [
        ("Advocate", AdvocateRow),
        ("AdvocateReward", AdvocateReward),
        ("AdvocateStats", AdvocateStats),
        ("ProgramVersion", VersionRow),
        ("Referral", ReferralRow),
        ("Transition", EventRow),
        ("Reward", RewardRow),
        ("Payout", Payout),
        ("Delivery", DeliveryRow),
        ("Friend", Friend),
        ("Adjustment", AdjustmentRow),
        ("Overview", Overview),
        ("Settings", ShopSettings),
        ("Partner", PartnerRow),
        ("Change", Change),
        ("Alert", Alert),
        ("Message", MessageRow),
    ],
)
def test_each_row_schema_has_exactly_the_fields_the_api_writes(schema: str, row: type) -> None:
    properties = OPENAPI["components"]["schemas"][schema]["properties"]

    assert list(properties) == [f.name for f in dataclasses.fields(row)]


async def test_the_document_is_served_without_a_session(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/admin/api/openapi.json")

    assert answer.status_code == 200
    assert answer.json() == OPENAPI


def test_every_reference_names_a_schema_of_the_document() -> None:
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            refs.extend([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(OPENAPI)

    schemas = OPENAPI["components"]["schemas"]
    assert {r.removeprefix("#/components/schemas/") for r in refs} <= set(schemas)
    assert len(refs) > 20


def test_a_transitions_cause_kind_is_one_the_referral_records_can_write() -> None:
    described = OPENAPI["components"]["schemas"]["Transition"]["properties"]["cause_kind"]["enum"]

    assert described == [kind.value for kind in CauseKind]
