"""Admin API: the shop's program (live, save a version, past versions) and the presets."""

from __future__ import annotations

from starlette.responses import Response

from connector.domain.program import ProgramError, program_to_dict
from connector.domain.program.presets import PRESETS
from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    field_error,
    json_body,
    path_id,
)
from connector.services.referrals import programs


@admin
async def get_program(call: Call) -> Response:
    """The live program, its version, and whether it is still the unsaved defaults."""
    live = await programs.live_program(call.runtime, call.shop)
    config = program_to_dict(live.program)
    return answer({"version": live.program.version, "default": not live.saved, "config": config})


@admin
async def put_program(call: Call) -> Response:
    """Save the body as the program's next version (422 listing every bad field)."""
    data = await json_body(call.request, required=True)
    try:
        row = await programs.save_program(call.runtime, call.shop, data, call.actor)
    except ProgramError as exc:
        fields = [field_error(path, message) for path, message in exc.errors]
        raise Problem(422, "invalid program", fields=fields) from None
    return answer({
        "version": row.version, "default": False, "config": row.config,
        "created_at": row.created_at, "created_by": row.created_by,
    })  # fmt: skip


@admin
async def get_versions(call: Call) -> Response:
    """Every saved version, newest first."""
    return answer({"versions": await programs.list_versions(call.shop)})


@admin
async def get_version(call: Call) -> Response:
    """One saved version's rules (the ones a referral was judged under)."""
    number = path_id(call.request, "program version", "version")
    try:
        program = await programs.program_version(call.shop.id, number)
    except LookupError:
        raise Problem(404, f"the program has no version {number}") from None
    return answer({"version": number, "config": program_to_dict(program)})


@admin
async def get_presets(call: Call) -> Response:
    """The ready-made program of each type, to start a new program from."""
    presets = [
        {"type": kind, "name": program.name, "config": program_to_dict(program)}
        for kind, program in PRESETS.items()
    ]
    return answer({"presets": presets})
