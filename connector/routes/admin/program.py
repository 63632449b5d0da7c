"""Admin API: the shop's program (live, save a version, past versions) and the presets."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from connector.domain.program import Program, ProgramError, parse_program, program_to_dict
from connector.domain.program.changes import config_changes
from connector.domain.program.presets import PRESETS
from connector.routes.admin.base import (
    MAX_ID,
    Call,
    Problem,
    admin,
    answer,
    decimal_field,
    field_error,
    invalid,
    json_body,
    known,
    path_id,
    text_field,
)
from connector.services.admin.merchant import NotFound, advocate_stats
from connector.services.referrals import programs, simulate
from connector.services.referrals.records import finding_json, reward_amounts


def terms_urls(call: Call) -> dict[str, str]:
    """The public pages of the shop's program terms, per locale."""
    return {loc: programs.terms_url(call.runtime.settings, call.shop, loc) for loc in ("es", "en")}


@admin
async def get_program(call: Call) -> Response:
    """The live program, its version, whether it is still the unsaved defaults, and where its
    terms are published."""
    live = await programs.live_program(call.runtime, call.shop)
    config = program_to_dict(live.program)
    return answer({
        "version": live.program.version, "default": not live.saved, "config": config,
        "terms_urls": terms_urls(call),
    })  # fmt: skip


def _saved(row: programs.SavedVersion, **more: Any) -> Response:
    return answer({
        "version": row.version, "default": False, "config": row.config,
        "created_at": row.created_at, "created_by": row.created_by, **more,
    })  # fmt: skip


def _invalid(exc: ProgramError) -> Problem:
    fields = [field_error(path, message) for path, message in exc.errors]
    return Problem(422, "invalid program", fields=fields)


@admin
async def put_program(call: Call) -> Response:
    """Save the body as the program's next version (422 listing every bad field)."""
    data = await json_body(call.request, required=True)
    try:
        row = await programs.save_program(call.runtime, call.shop, data, call.actor)
    except ProgramError as exc:
        raise _invalid(exc) from None
    return _saved(row)


def _version_param(call: Call, name: str) -> int | None:
    text = call.request.query_params.get(name)
    if text is None:
        return None
    if not text.isdigit() or int(text) > MAX_ID:
        raise Problem(400, f"{name} must be a version number, got {text!r}")
    return int(text)


@admin
async def get_diff(call: Call) -> Response:
    """What changed between two saved versions (`to` defaults to the live one)."""
    start = _version_param(call, "from")
    if start is None:
        raise Problem(400, "from is required: the version to compare from")
    end = _version_param(call, "to")
    try:
        if end is None:
            versions = await programs.list_versions(call.shop)
            end = versions[0].version if versions else start
        before = await programs.version_config(call.shop, start)
        after = await programs.version_config(call.shop, end)
    except LookupError as exc:
        raise Problem(404, str(exc)) from None
    return answer({"from": start, "to": end, "changes": config_changes(before, after)})


@admin
async def post_restore(call: Call) -> Response:
    """Save an earlier version's rules as the next version."""
    number = path_id(call.request, "program version", "version")
    try:
        row = await programs.restore_version(call.runtime, call.shop, number, call.actor)
    except LookupError as exc:
        raise Problem(404, str(exc)) from None
    except ProgramError as exc:
        raise _invalid(exc) from None
    return _saved(row, restored_from=number)


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


SIMULATE_FIELDS = (
    "subtotal", "total", "currency", "code", "email", "customer_id", "new_customer", "paid",
    "program",
)  # fmt: skip


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, True)
    if not isinstance(value, bool):
        raise invalid(name, "must be true or false")
    return value


def _test_program(body: dict[str, Any], live_version: int) -> Program | None:
    """The body's `program` (the form being edited) as a program, or None for the live one."""
    if "program" not in body:
        return None
    data = body["program"]
    if not isinstance(data, dict):
        raise invalid("program", "must be a program object")
    try:
        return parse_program({**data, "version": live_version + 1})
    except ProgramError as exc:
        fields = [field_error(f"program.{path}", message) for path, message in exc.errors]
        raise Problem(422, "invalid program", fields=fields) from None


@admin
async def post_simulate(call: Call) -> Response:
    """What an order would earn, for whom and why (under the live program or the body's)."""
    body = known(await json_body(call.request, required=True), SIMULATE_FIELDS)
    subtotal = decimal_field(body, "subtotal")
    if subtotal is None or subtotal < 0:
        raise invalid("subtotal", "is required: the order's subtotal, such as \"30.00\"")
    total = decimal_field(body, "total")
    if total is not None and total < 0:
        raise invalid("total", "must not be negative")
    currency = text_field(body, "currency").strip().upper() or None
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise invalid("currency", "must be a three-letter currency code such as EUR")
    live = await programs.live_program(call.runtime, call.shop)
    order = simulate.TestOrder(
        subtotal=subtotal, total=total, currency=currency,
        code=text_field(body, "code").strip() or None,
        email=text_field(body, "email").strip() or None,
        customer_id=text_field(body, "customer_id").strip() or None,
        new_customer=_flag(body, "new_customer"), paid=_flag(body, "paid"),
    )  # fmt: skip
    program = _test_program(body, live.program.version)
    done = await simulate.simulate_test_order(call.runtime, call.shop, order, program)
    decision = done.decision
    advocate = None
    if done.advocate_row is not None:
        try:
            advocate = (await advocate_stats(call.shop, done.advocate_row)).advocate
        except NotFound:
            advocate = None
    value = decision.order_value
    return answer({
        "outcome": decision.outcome.value,
        "reason": decision.reason.value if decision.reason else None,
        "state": decision.state.value if decision.state else None,
        "advocate": advocate,
        "program_version": decision.program_version,
        "order_value": value.amount if value is not None else None,
        "currency": value.currency if value is not None else order.currency,
        "rewards": [
            {"side": r.side.value, "kind": r.kind.value, "description": r.describe(),
             **reward_amounts(r)}
            for r in decision.rewards
        ],
        "findings": [finding_json(f) for f in decision.findings],
        "lines": list(done.lines),
    })  # fmt: skip
