"""Admin API: the overview page, the shop's settings (widget copy, referral parameter, consent)
and the partner programme (its partners, enrolling one with its co-branded landing text)."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    field_error,
    json_body,
    known,
    text_field,
)
from connector.services.admin import settings
from connector.services.admin.overview import overview


def _refused(exc: settings.SettingsRefused) -> Problem:
    return Problem(422, "invalid settings", fields=[field_error(p, m) for p, m in exc.errors])


@admin
async def get_overview(call: Call) -> Response:
    """What needs attention now, and the program's counts to date."""
    return answer(await overview(call.runtime, call.shop))


@admin
async def get_settings(call: Call) -> Response:
    """The shop's settings, with the widget's default copy for every locale."""
    return answer(settings.shop_settings(call.shop))


@admin
async def put_settings(call: Call) -> Response:
    """Change some settings (absent fields stay); 422 naming each bad field, changing nothing."""
    body = await json_body(call.request, required=True)
    if not isinstance(body, dict):
        raise Problem(422, "invalid settings", fields=[field_error("(root)", "must be an object")])
    try:
        return answer(await settings.update_settings(call.shop, body))
    except settings.SettingsRefused as exc:
        raise _refused(exc) from None


@admin
async def get_partners(call: Call) -> Response:
    """The live program's partner brands, enrolled or not, with their landing text."""
    return answer({"partners": await settings.list_partners(call.runtime, call.shop)})


@admin
async def post_partner(call: Call) -> Response:
    """Enrol a partner of the program (201; 200 when enrolled already), with its landing text."""
    body = known(await json_body(call.request, required=True), ("partner_id", "landing"))
    partner_id = text_field(body, "partner_id", required=True)
    try:
        row, created = await settings.enrol_partner_with_landing(
            call.runtime, call.shop, partner_id, body.get("landing")
        )
    except settings.SettingsRefused as exc:
        raise _refused(exc) from None
    return answer({"partner": row, "created": created}, 201 if created else 200)
