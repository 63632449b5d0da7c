"""Admin API: the shop's blocklist of emails, email domains, customers, IP addresses and postal
addresses, which the `blocklist` fraud check compares every referral's friend and advocate with."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    invalid,
    json_body,
    known,
    path_id,
    text_field,
)
from connector.services.referrals import blocklist


@admin
async def get_blocklist(call: Call) -> Response:
    """The shop's blocklist, newest first."""
    return answer({"entries": await blocklist.list_entries(call.shop)})


@admin
async def post_blocklist(call: Call) -> Response:
    """Add an entry (201; 200 when it is listed already)."""
    body = known(await json_body(call.request, required=True), ("kind", "value", "note"))
    kind = text_field(body, "kind", required=True)
    if kind not in blocklist.KINDS:
        raise invalid("kind", f"must be one of {', '.join(blocklist.KINDS)}")
    value = text_field(body, "value", required=True)
    try:
        entry, created = await blocklist.add_entry(
            call.runtime, call.shop, kind, value, note=text_field(body, "note"), actor=call.actor
        )
    except blocklist.BadEntry as exc:
        raise invalid("value", str(exc)) from None
    return answer({"entry": entry, "created": created}, 201 if created else 200)


@admin
async def delete_blocklist_entry(call: Call) -> Response:
    """Take an entry off the blocklist."""
    entry_id = path_id(call.request, "blocklist entry")
    if not await blocklist.remove_entry(call.shop, entry_id):
        raise Problem(404, f"no blocklist entry {entry_id}")
    return answer({"deleted": entry_id})
