"""The program over the admin API: the defaults, saving versions (422 on bad fields), presets."""

from __future__ import annotations

import httpx
import pytest

from connector.domain.program import parse_program, program_to_dict
from connector.domain.program.presets import FIXED, PRESETS
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import default_program, list_versions
from connector.store.models import Shop
from tests.admin.conftest import PROGRAM, bearer
from tests.conftest import Clock

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
# Where the program's terms are published, per locale (the widget and every message link them).
TERMS_URLS = {
    locale: f"https://connector.example.com/terms/shopify/referral-test.myshopify.com/{locale}"
    for locale in ("es", "en")
}


async def test_until_one_is_saved_the_live_program_is_the_default(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop
) -> None:
    answer = await app_client.get("/admin/api/program", headers=bearer())

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "version": 1,
        "default": True,
        "config": program_to_dict(default_program(runtime.settings)),
        "terms_urls": TERMS_URLS,
    }


async def test_saving_answers_the_new_version_and_records_the_staff_user(
    app_client: httpx.AsyncClient, shop: Shop, clock: Clock
) -> None:
    first = await app_client.put("/admin/api/program", headers=bearer(), json=PROGRAM)
    second = await app_client.put(
        "/admin/api/program", headers=bearer(), json={**PROGRAM, "hold_days": 30}
    )

    saved = program_to_dict(parse_program({**PROGRAM, "version": 2, "hold_days": 30}))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["version"] == 1
    assert second.json() == {
        "version": 2,
        "default": False,
        "config": saved,
        "created_at": clock.now.isoformat(),
        "created_by": "42",
    }
    live = await app_client.get("/admin/api/program", headers=bearer())
    assert live.json() == {
        "version": 2, "default": False, "config": saved, "terms_urls": TERMS_URLS,
    }  # fmt: skip
    versions = await app_client.get("/admin/api/program/versions", headers=bearer())
    assert versions.json() == {
        "versions": [
            {"version": v, "name": "Give 10%, get 10 EUR", "created_at": clock.now.isoformat(),
             "created_by": "42", "note": ""}
            for v in (2, 1)
        ]
    }  # fmt: skip
    old = await app_client.get("/admin/api/program/versions/1", headers=bearer())
    assert old.json() == {
        "version": 1,
        "config": program_to_dict(parse_program({**PROGRAM, "version": 1})),
    }


async def test_a_version_never_saved_is_404(app_client: httpx.AsyncClient, shop: Shop) -> None:
    answer = await app_client.get("/admin/api/program/versions/3", headers=bearer())

    assert answer.status_code == 404
    assert answer.json() == {"error": "the program has no version 3"}


async def test_an_invalid_program_is_422_listing_every_bad_field_and_saves_nothing(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    body = {**PROGRAM, "hold_days": -1, "rewarded": "nobody", "colour": "teal"}

    answer = await app_client.put("/admin/api/program", headers=bearer(), json=body)

    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid program",
        "fields": [
            {"path": "colour", "message": "is not a known field"},
            {"path": "hold_days", "message": "must be an integer of zero or more, got -1"},
            {
                "path": "rewarded",
                "message": "must be one of 'advocate', 'friend', 'both', got 'nobody'",
            },
        ],
    }
    assert await list_versions(shop) == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b'{"currency": "EUR",', 400, {"error": "body is not valid JSON"}),
        (b"", 400, {"error": "body is not valid JSON"}),
        (
            b'["EUR"]',
            422,
            {
                "error": "invalid program",
                "fields": [{"path": "(root)", "message": "must be an object, got ['EUR']"}],
            },
        ),
    ],
)
async def test_a_body_that_is_not_a_program_object_is_refused(
    app_client: httpx.AsyncClient, shop: Shop, body: bytes, status: int, error: dict[str, object]
) -> None:
    answer = await app_client.put("/admin/api/program", headers=bearer(), content=body)

    assert (answer.status_code, answer.json()) == (status, error)
    assert await list_versions(shop) == []


async def test_the_presets_offer_every_program_type(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await app_client.get("/admin/api/program/presets", headers=bearer())

    presets = answer.json()["presets"]
    assert [p["type"] for p in presets] == [
        "fixed", "tiered", "milestones", "contest", "seasonal", "charity", "partnership",
        "loyalty",
    ]  # fmt: skip
    assert presets[0] == {
        "type": "fixed",
        "name": "Give 10%, get $10",
        "config": program_to_dict(FIXED),
    }
    assert [parse_program(p["config"]) for p in presets] == list(PRESETS.values())
