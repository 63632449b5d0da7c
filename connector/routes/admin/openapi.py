"""The OpenAPI description of the admin API (served at GET /admin/api/openapi.json).

Written by hand next to the routes; a test checks that every route under /admin/api is here
with its methods, and nothing else is.
"""

from __future__ import annotations

from typing import Any

from connector.domain.messages import KINDS, Audience, Category
from connector.domain.messages import LOCALES as MESSAGE_LOCALES
from connector.domain.reasons import Verdict
from connector.domain.referral import ReferralState
from connector.domain.rules.decision import Outcome
from connector.routes.admin.base import MAX_ID
from connector.services.admin.adjustments import BLOCK, POINTS, REWARD, UNBLOCK
from connector.services.admin.adjustments import GRANTABLE as GRANTABLE_KINDS
from connector.services.admin.merchant import ALERT_KINDS, DELIVERY_STATUSES, SHOP_STATUSES
from connector.services.base import limits
from connector.services.notifications.consent import STORE_CONSENT_MODES
from connector.services.notifications.editing import MAX_BODY, MAX_EMAIL, MAX_SUBJECT
from connector.services.notifications.outbox import STATUSES as OUTBOX_STATUSES
from connector.services.outbound.events import EVENTS
from connector.services.referrals.records import CauseKind
from connector.services.rewards.payouts import LISTED
from connector.services.storefront.api import CONSENT_MODES
from connector.services.storefront.assets import load_assets

# Every enum comes from the words the code writes, so the document cannot fall behind them.
STATES = [s.value for s in ReferralState]
VERDICTS = [v.value for v in Verdict]
CAUSE_KINDS = [k.value for k in CauseKind]
DELIVERY_STATES = list(DELIVERY_STATUSES)
PAYOUT_STATES = list(LISTED)
OUTCOMES = [o.value for o in Outcome]
ADJUSTMENT_KINDS = [POINTS, REWARD, BLOCK, UNBLOCK]
SHOP_STATES = list(SHOP_STATUSES)
CONSENT = list(CONSENT_MODES)
LOCALES = sorted(load_assets().locales)  # the widget's locales: the only keys of `copy`
GRANTABLE = list(GRANTABLE_KINDS)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(description, _ref("Error"))


def _list(key: str, item: str, **more: Any) -> dict[str, Any]:
    properties = {key: {"type": "array", "items": _ref(item)}, **more}
    return {"type": "object", "required": list(properties), "properties": properties}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str, kind: str = "integer") -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": kind},
    }


# The limits the code checks, said here in the document's words (services.base.limits).
PLAIN = "^[^\\u0000-\\u001f]*$"  # no control characters
# No control characters, and something that is not a space.
FILLED = "^[^\\u0000-\\u001f]*[^\\s\\u0000-\\u001f][^\\u0000-\\u001f]*$"


def _text(most: int, *, required: bool = False, nullable: bool = False) -> dict[str, Any]:
    """A text field as the API checks it: at most `most` characters, none a control character."""
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string"}
    schema.update(maxLength=most, pattern=FILLED if required else PLAIN)
    if required:
        schema["minLength"] = 1
    return schema


def _moment(name: str, description: str) -> dict[str, Any]:
    return _query(name, description, type="string", format="date-time")


# Every authenticated call can answer these; each operation adds its own.
AUTH_ERRORS = {
    "401": _error(
        "No or an invalid session token (`X-Shopify-Retry-Invalid-Session-Request: 1`"
        " when App Bridge should fetch a new one and retry), or an expired, forged or unknown"
        " store's admin token (`reason`: expired, signature, unknown_shop, malformed)."
    ),
    "403": _error("The shop has not installed the app."),
    "503": _error("Shopify is not configured on this server; the message says what to set."),
}
LIMIT = _query("limit", "How many (1 to 200, default 50).", type="integer", minimum=1, maximum=200)
NOTE = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"note": _text(limits.NOTE, nullable=True)},
            }
        }
    },
}


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    status: str = "200",
    others: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One operation: its answer on success, its other answers, and every auth error."""
    return {"summary": summary, **extra, "responses": {status: ok, **(others or {}), **AUTH_ERRORS}}


def _row(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


STR, STR_N = {"type": "string"}, {"type": ["string", "null"]}
INT, INT_N = {"type": "integer"}, {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
TIME_N = {"type": ["string", "null"], "format": "date-time"}
DECIMAL = {"type": "string", "description": 'An exact decimal, e.g. "12.50".'}
DECIMAL_N = {"type": ["string", "null"], "description": "An exact decimal, or null."}
OBJECT = {"type": "object"}
DAY = {"type": "string", "format": "date"}
# A KPI: a count (integer), an exact amount or ratio (a decimal string), or null when undefined.
FIGURE = {"type": ["integer", "string", "null"]}
CHANNELS = {"type": "array", "items": _row(channel=STR, count=INT)}
GROUP = {"type": "object", "additionalProperties": FIGURE}
GROUPS = _row(referred=GROUP, other=GROUP)

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What is wrong, for a person to read."},
            "fields": {"type": "array", "items": _ref("FieldError")},
            "reason": {"type": "string", "description": "A machine-readable reason code."},
            "state": {"type": "string", "description": "The referral's state (409 refusals)."},
            "valid": {"type": "array", "items": STR, "description": "The accepted values."},
        },
    },
    "FieldError": _row(path=STR, message=STR),
    "Program": _row(
        version=INT,
        default=BOOL,
        config={
            **OBJECT,
            "description": "The program's JSON form. Its `terms` ({es, en, version}) are the"
            " terms shoppers accept to join; `version` is set on save: the version that first"
            " carried their words.",
        },
        terms_urls={
            "type": "object",
            "additionalProperties": STR,
            "description": "The public page of the terms per locale (es, en), linked from the"
            " widget and every message.",
        },
    ),
    "SavedProgram": _row(version=INT, default=BOOL, config=OBJECT, created_at=TIME, created_by=STR),
    "ProgramVersion": _row(version=INT, name=STR, created_at=TIME, created_by=STR, note=STR),
    "Preset": _row(type=STR, name=STR, config=OBJECT),
    "Advocate": _row(
        id=INT,
        kind=STR,
        name=STR,
        email=STR_N,
        customer_id=STR_N,
        friend_code=STR,
        share_link=STR,
        status=STR,
        created_at=TIME,
    ),
    "AdvocateReward": _row(
        id=INT,
        referral_id=INT_N,
        side=STR,
        kind=STR,
        amount=DECIMAL_N,
        currency=STR_N,
        points=INT_N,
        code=STR_N,
        status=STR,
        reason=STR_N,
        last_error=STR_N,
        created_at=TIME,
    ),
    "AdvocateStats": _row(
        advocate=_ref("Advocate"),
        referrals={
            "type": "object",
            "additionalProperties": INT,
            "description": "How many referrals are in each state (every state listed).",
        },
        rewards={
            "type": "array",
            "items": _ref("AdvocateReward"),
            "description": "The newest 50 rewards, newest first.",
        },
        points=INT,
        clicks={"type": "integer", "description": "Visits through the advocate's link."},
        friends={
            "type": "array",
            "items": _ref("Friend"),
            "description": "The newest 20 friends referred, newest first.",
        },
        adjustments={
            "type": "array",
            "items": _ref("Adjustment"),
            "description": "The newest 20 adjustments, newest first.",
        },
        vip_tier={**STR_N, "description": "The loyalty VIP tier the member holds, if any."},
        ledger={
            "type": "array",
            "items": _ref("LedgerLine"),
            "description": "The member's newest 50 points movements, newest first.",
        },
        terms={
            "oneOf": [{"type": "null"}, _row(version=INT, accepted_at=TIME_N)],
            "description": "The program terms the advocate accepted to join (their version) and"
            " when; null when they joined while the program had none.",
        },
    ),
    "LedgerLine": _row(
        id=INT,
        kind={**STR, "description": "earn, redeem, expire, reversal, refund or adjust."},
        points={**INT, "description": "Signed: added (+) or taken (-)."},
        reference={**STR, "description": "What it concerns: order:{id}, reward:{id}, join, import..."},
        expires_at=TIME_N,
        created_at=TIME,
    ),
    "Friend": _row(
        referral_id=INT,
        email=STR_N,
        customer_id=STR_N,
        order_id=STR_N,
        state={"enum": STATES},
        created_at=TIME,
    ),
    "Adjustment": _row(
        id=INT,
        advocate_id=INT,
        kind={"enum": ADJUSTMENT_KINDS},
        points={"type": ["integer", "null"], "description": "Signed: added or removed points."},
        reward_id=INT_N,
        reason=STR,
        actor={"type": "string", "description": "The staff user who made it."},
        created_at=TIME,
    ),
    "Adjusted": _row(adjustment=_ref("Adjustment"), points=INT, created=BOOL),
    "Granted": _row(adjustment=_ref("Adjustment"), reward=_ref("AdvocateReward"), created=BOOL),
    "Blocked": _row(
        advocate=_ref("Advocate"),
        adjustment={
            "oneOf": [_ref("Adjustment"), {"type": "null"}],
            "description": "null when the advocate was already in that state.",
        },
    ),
    "SimulatedReward": _row(
        side=STR, kind=STR, description=STR, amount=DECIMAL_N, currency=STR_N, points=INT_N
    ),
    "Simulation": _row(
        outcome={"enum": OUTCOMES},
        reason=STR_N,
        state={"type": ["string", "null"], "description": "The state the referral would take."},
        advocate={"oneOf": [_ref("Advocate"), {"type": "null"}]},
        program_version=INT,
        order_value=DECIMAL_N,
        currency=STR_N,
        rewards={"type": "array", "items": _ref("SimulatedReward")},
        findings={"type": "array", "items": _ref("Finding")},
        lines={"type": "array", "items": STR, "description": "The explanation, line by line."},
    ),
    "Change": _row(
        path={"type": "string", "description": "The field, dotted, e.g. advocate_reward.value."},
        before={"description": "Its value in `from` (null: absent)."},
        after={"description": "Its value in `to` (null: absent)."},
    ),
    "Overview": _row(
        attention=_row(
            review=INT,
            dead_deliveries=INT,
            failed_rewards=INT,
            payouts_to_pay=INT,
            store=_row(status={"enum": SHOP_STATES}, reason=STR_N),
            budget={
                "oneOf": [
                    _row(
                        period=STR, amount=DECIMAL, currency=STR, used=DECIMAL, percent=INT,
                        level={"enum": ["ok", "warning", "reached"]},
                    ),
                    {"type": "null"},
                ],
                "description": "The program's rewards budget this period; null without one.",
            },
        ),
        counts=_row(
            advocates=INT,
            clicks=INT,
            referrals={"type": "object", "additionalProperties": INT},
        ),
        program=_row(version=INT, name=STR, default=BOOL),
    ),
    "Analytics": _row(
        period=_row(start=DAY, end=DAY),
        previous_period=_row(start=DAY, end=DAY),
        granularity={"enum": ["day", "week", "month"]},
        version=INT_N,
        currency=STR,
        figures={
            "type": "object",
            "description": "Each KPI by name: its value, the previous period's, the relative change.",
            "additionalProperties": _row(value=FIGURE, previous=FIGURE, change=DECIMAL_N),
        },
        funnel={"type": "array", "items": _row(step=STR, count=INT, conversion=DECIMAL_N)},
        customers=GROUPS,
        previous_customers=GROUPS,
        quality={
            "type": "array",
            "items": _row(check=STR, flagged=INT, rejected=INT, flagged_share=DECIMAL_N,
                          rejected_share=DECIMAL_N),
        },
        channels=_row(shares=CHANNELS, referrals=CHANNELS),
        series={
            "type": "array",
            "items": {"type": "object", "required": ["start"],
                      "properties": {"start": DAY}, "additionalProperties": FIGURE},
        },
        top_advocates={
            "type": "array",
            "items": _row(id=INT, name=STR, code=STR, referrals=INT),
        },
        contest={
            "type": ["object", "null"],
            "required": ["id", "name", "standings"],
            "properties": {
                "id": STR,
                "name": STR,
                "standings": {
                    "type": "array",
                    "items": _row(rank=INT, advocate_id=INT, name=STR, referrals=INT),
                },
            },
        },
    ),
    "WebhookEndpoint": _row(
        id=INT, url=STR, events={"type": "array", "items": {"enum": list(EVENTS)}},
        description=STR, active=BOOL, created_at=TIME, created_by=STR,
        secret={"type": ["string", "null"],
                "description": "The signing secret: only in the answer that registers the endpoint."},
    ),
    "WebhookMessage": _row(
        id=INT, event={"enum": list(EVENTS)}, event_id=STR,
        status={"enum": ["pending", "delivered", "failed"]},
        attempts={"type": "array", "items": _row(number=INT, at=TIME, status_code=INT_N,
                                                 error=STR_N, duration_ms=INT)},
        created_at=TIME, delivered_at=TIME_N, next_attempt_at=TIME_N, last_error=STR_N,
    ),
    "Settings": _row(
        ref_param=STR,
        consent={"enum": CONSENT},
        name=STR,
        url=STR,
        copy={
            "type": "object",
            "description": "The merchant's overrides: locale -> message key -> text.",
            "additionalProperties": OBJECT,
        },
        defaults={
            "type": "object",
            "description": "The widget's own copy for each locale (what an override replaces).",
            "additionalProperties": OBJECT,
        },
        locales={"type": "array", "items": STR},
    ),
    "Partner": _row(
        partner_id=STR,
        name=STR,
        account_id=STR,
        enrolled=BOOL,
        advocate={"oneOf": [_ref("Advocate"), {"type": "null"}]},
        landing={
            "type": "object",
            "additionalProperties": STR,
            "description": "Co-branded landing text by locale, shown to the partner's audience.",
        },
    ),
    "BlockEntry": _row(
        id=INT,
        kind={"type": "string", "enum": ["email", "domain", "customer", "ip", "address"]},
        label={"type": "string", "description": "The entry as the merchant typed it."},
        note=STR,
        created_by=STR,
        created_at=TIME,
    ),
    "Referral": _row(
        id=INT,
        order_id=STR_N,
        advocate_id=INT,
        state={"enum": STATES},
        state_reason=STR_N,
        winning_signal=STR_N,
        program_version=INT,
        hold_until=TIME_N,
        currency=STR,
        order_total=DECIMAL,
        refunded=DECIMAL,
        created_at=TIME,
    ),
    "Evidence": _row(
        signal=STR,
        value=STR,
        advocate_id=STR_N,
        touched_at=TIME_N,
        matched=BOOL,
        reason=STR,
        message=STR,
    ),
    "Finding": _row(
        reason={"type": "string", "description": "The shared reason code, e.g. self_referral."},
        verdict={"enum": VERDICTS},
        message={"type": "string", "description": "What the rule or check found, in words."},
        detail={"type": "object", "additionalProperties": STR},
    ),
    "Transition": _row(
        at=TIME,
        from_state=STR_N,
        to_state=STR,
        event=STR,
        reason=STR_N,
        cause_kind={"enum": CAUSE_KINDS},
        cause_ref={
            "type": "string",
            "description": "The delivery id, job name, who decided, or the sign-up's claim id.",
        },
        note=STR,
    ),
    "Reward": _row(
        id=INT,
        side=STR,
        kind=STR,
        amount=DECIMAL_N,
        currency=STR_N,
        points=INT_N,
        status=STR,
        reason=STR_N,
        idempotency_key=STR,
        last_error=STR_N,
        choice={**STR_N, "description": "A menu reward: the choice picked (none yet: null)."},
        chosen_by={"enum": ["advocate", "default", None], "description": "Who picked it."},
        choice_due_at={**TIME_N, "description": "Awaiting the pick: when the default is given."},
    ),
    "ReferralDetail": _row(
        referral=_ref("Referral"),
        evidence={"type": "array", "items": _ref("Evidence")},
        findings={"type": "array", "items": _ref("Finding")},
        transitions={"type": "array", "items": _ref("Transition")},
        rewards={"type": "array", "items": _ref("Reward")},
        explanation={
            "type": "array",
            "items": STR,
            "description": "The same lines `connector simulate` prints.",
        },
    ),
    "Decision": _row(id=INT, from_state=STR, to_state=STR, event=STR, actor=STR, note=STR),
    "Payout": _row(
        reward_id=INT,
        recorded_at=TIME_N,
        kind=STR,
        amount=DECIMAL,
        currency=STR,
        cause=STR_N,
        advocate_id=INT_N,
        advocate_name=STR,
        advocate_email=STR_N,
        referral_id=INT_N,
        status=STR,
        paid_at=TIME_N,
        paid_by=STR_N,
        reference=STR_N,
    ),
    "Standing": _row(rank=INT, advocate_id=INT, referrals=INT, reached_at=TIME),
    "Leaderboard": _row(
        contest=_row(id=STR, name=STR, starts_at=TIME, ends_at=TIME, top_n=INT),
        standings={"type": "array", "items": _ref("Standing")},
    ),
    "Delivery": _row(
        id=INT,
        platform=STR,
        topic=STR,
        shop=STR,
        webhook_id=STR,
        status={"enum": DELIVERY_STATES},
        attempts=INT,
        received_at=TIME,
        last_error=STR_N,
    ),
    "Alert": _row(
        kind={"enum": list(ALERT_KINDS)},
        count=INT,
        since=TIME,
        message={"type": "string", "description": "What is wrong and what to do, to show as is."},
    ),
}

PAYOUT_FILTERS = [
    _query("status", "Only records in this state.", enum=PAYOUT_STATES),
    _moment("since", "Recorded at or after (ISO-8601; a time without offset is UTC)."),
    _moment("until", "Recorded before (ISO-8601)."),
]
BAD_QUERY = {"400": _error("A query parameter is not valid; the message says which and why.")}
BAD_BODY = {
    "400": _error("The body is not valid JSON."),
    "413": _error("The body is larger than 64 KiB."),
    "422": _error("The body is JSON but not valid; `fields` lists each problem."),
}
NOT_FOUND = {"404": _error("No such id in this shop (another shop's ids are not found either).")}
REFERRAL_ID = _path("id", "The referral's id.")
WEBHOOK_ID = _path("id", "The webhook endpoint's id.")
ADVOCATE_ID = _path("id", "The advocate's id.")
CURSOR = _query(
    "cursor", "The `next_cursor` of the previous page.", type="string", pattern="^[0-9]{1,18}$"
)
REQUEST_KEY = {
    **_text(100, required=True),
    "description": "New for each change; the same key again returns the first result.",
}
ADJUST_ERRORS = {
    **NOT_FOUND,
    **BAD_BODY,
    "409": _error("The request_key was used for a different adjustment."),
}


def _body(required: list[str], **properties: Any) -> dict[str, Any]:
    """A JSON object body with these fields (and no others)."""
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _review(summary: str) -> dict[str, Any]:
    """A review decision: made as the session's user, with an optional note."""
    return _op(
        summary + " The session's user is recorded as who decided.",
        _json("The transition made.", _ref("Decision")),
        parameters=[REFERRAL_ID],
        requestBody=NOTE,
        others={
            **NOT_FOUND,
            **BAD_BODY,
            "409": _error("The referral's state does not allow it (`reason`, `state`)."),
        },
    )


PATHS: dict[str, Any] = {
    "/admin/api/openapi.json": {
        "get": {
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document."}},
        }
    },
    "/admin/api/program": {
        "get": _op(
            "The live program, its version, and whether it is still the defaults.",
            _json("The live program.", _ref("Program")),
        ),
        "put": _op(
            "Save a program (its JSON form) as the next version; `version` in it is ignored.",
            _json("Saved; the answer names the new version.", _ref("SavedProgram")),
            requestBody={"required": True, "content": {"application/json": {"schema": OBJECT}}},
            others={
                **BAD_BODY,
                "422": _error(
                    'Not a valid program: `error` is "invalid program" and `fields` lists every'
                    " bad field with its path."
                ),
            },
        ),
    },
    "/admin/api/program/versions": {
        "get": _op(
            "Every saved version, newest first.",
            _json("The versions.", _list("versions", "ProgramVersion")),
        )
    },
    "/admin/api/program/versions/{version}": {
        "get": _op(
            "One saved version's rules.",
            _json("That version.", _row(version=INT, config=OBJECT)),
            parameters=[_path("version", "The version number.")],
            others={"404": _error("The program has no such version.")},
        )
    },
    "/admin/api/program/presets": {
        "get": _op(
            "A ready-made program of each type (fixed, tiered, milestones, contest, ...).",
            _json("The presets.", _list("presets", "Preset")),
        )
    },
    "/admin/api/advocates": {
        "get": _op(
            "A page of advocates, newest first.",
            _json(
                "The page; pass `next_cursor` as `cursor` for the next one (null: no more).",
                _list("advocates", "Advocate", next_cursor=STR_N),
            ),
            parameters=[
                LIMIT,
                CURSOR,
                _query(
                    "q",
                    "Find by code (exact), or email or name (their first characters).",
                    type="string",
                    maxLength=320,
                ),
                _query(
                    "status", "Only active or only blocked advocates.", enum=["active", "blocked"]
                ),
            ],
            others=BAD_QUERY,
        ),
        "post": _op(
            "Enrol a shopper by email or store customer id (the same shopper, the same advocate).",
            _json("Enrolled now.", _row(advocate=_ref("Advocate"), created=BOOL)),
            status="201",
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "email": {
                                    **_text(limits.EMAIL, nullable=True),
                                    # Empty counts as absent.
                                    "pattern": "^$|^[^\\u0000-\\u001f]*@[^\\u0000-\\u001f]*$",
                                },
                                "customer_id": _text(limits.CUSTOMER_ID, nullable=True),
                                "name": _text(limits.NAME, nullable=True),
                                "locale": _text(limits.LOCALE, nullable=True),
                            },
                            # An advocate is found by one of the two.
                            "anyOf": [
                                {"required": ["email"], "properties": {"email": STR}},
                                {
                                    "required": ["customer_id"],
                                    "properties": {"customer_id": {**STR, "pattern": "\\S"}},
                                },
                            ],
                        }
                    }
                },
            },
            others={
                "200": _json(
                    "Already enrolled: that advocate.",
                    _row(advocate=_ref("Advocate"), created=BOOL),
                ),
                **BAD_BODY,
            },
        ),
    },
    "/admin/api/advocates/{id}": {
        "get": _op(
            "One advocate: referrals by state, rewards, points, clicks, friends, adjustments.",
            _json("The advocate.", _ref("AdvocateStats")),
            parameters=[ADVOCATE_ID],
            others=NOT_FOUND,
        )
    },
    "/admin/api/advocates/{id}/points": {
        "post": _op(
            "Add (positive) or remove (negative) points, with a reason; recorded with the"
            " session's user. The balance never goes below zero.",
            _json("Adjusted; `points` is the balance now.", _ref("Adjusted")),
            status="201",
            parameters=[ADVOCATE_ID],
            requestBody=_body(
                ["points", "reason", "request_key"],
                points={"type": "integer", "description": "Signed, not 0.", "not": {"const": 0}},
                reason=_text(limits.NOTE, required=True),
                request_key=REQUEST_KEY,
            ),
            others={
                **ADJUST_ERRORS,
                "200": _json("The key's earlier adjustment.", _ref("Adjusted")),
            },
        )
    },
    "/admin/api/advocates/{id}/rewards": {
        "post": _op(
            "Grant the advocate a reward by hand (the outbox issues it), with a reason;"
            " recorded with the session's user.",
            _json("Granted.", _ref("Granted")),
            status="201",
            parameters=[ADVOCATE_ID],
            requestBody=_body(
                ["kind", "reason", "request_key"],
                kind={"enum": GRANTABLE},
                value={
                    "type": "string",
                    "description": "An amount in the program's currency, or a percentage;"
                    " not for free_shipping.",
                },
                reason=_text(limits.NOTE, required=True),
                request_key=REQUEST_KEY,
                expires_days={"type": "integer", "minimum": 1, "maximum": 3650},
            ),
            others={**ADJUST_ERRORS, "200": _json("The key's earlier grant.", _ref("Granted"))},
        )
    },
    "/admin/api/advocates/{id}/block": {
        "post": _op(
            "Block an advocate: they earn nothing new, and a referral of theirs says why.",
            _json("Blocked.", _ref("Blocked")),
            parameters=[ADVOCATE_ID],
            requestBody=_body([], reason=_text(limits.NOTE, nullable=True)),
            others={**NOT_FOUND, **BAD_BODY},
        )
    },
    "/admin/api/advocates/{id}/unblock": {
        "post": _op(
            "Unblock an advocate: they earn again from now on.",
            _json("Active again.", _ref("Blocked")),
            parameters=[ADVOCATE_ID],
            requestBody=_body([], reason=_text(limits.NOTE, nullable=True)),
            others={**NOT_FOUND, **BAD_BODY},
        )
    },
    "/admin/api/referrals": {
        "get": _op(
            "A page of referrals, newest first: by state, by date made, by advocate.",
            _json(
                "The page; pass `next_cursor` as `cursor` for the next one (null: no more).",
                _list("referrals", "Referral", next_cursor=STR_N),
            ),
            parameters=[
                _query("state", "Only referrals in this state.", enum=STATES),
                _moment("since", "Made at or after (ISO-8601; a time without offset is UTC)."),
                _moment("until", "Made before (ISO-8601)."),
                _query(
                    "advocate_id", "Only this advocate's.", type="integer", minimum=0, maximum=MAX_ID
                ),
                LIMIT,
                CURSOR,
            ],
            others={"400": _error("A bad filter (an unknown state is listed in `valid`).")},
        )
    },
    "/admin/api/simulate": {
        "post": _op(
            "What an order would earn, for whom and why, under the live program or the body's"
            " `program` (a form not saved yet). Writes nothing and asks the store nothing.",
            _json("The decision explained.", _ref("Simulation")),
            requestBody=_body(
                ["subtotal"],
                subtotal=DECIMAL,
                total=DECIMAL,
                currency={"type": "string", "description": "Default: the program's."},
                code={"type": "string", "description": "The code the friend used at checkout."},
                email={"type": "string", "description": "The friend's email."},
                customer_id=STR,
                new_customer={"type": "boolean", "default": True},
                paid={"type": "boolean", "default": True},
                program={"type": "object", "description": "A program's JSON form, as PUT takes."},
            ),
            others={
                **BAD_BODY,
                "422": _error("A bad field; a bad `program` field's path starts `program.`."),
            },
        )
    },
    "/admin/api/overview": {
        "get": _op(
            "What needs a person now (review, dead deliveries, failed rewards, payouts to pay,"
            " a store to authorise again) and the program's counts to date.",
            _json("The overview.", _ref("Overview")),
        )
    },
    "/admin/api/analytics": {
        "get": _op(
            "The dashboard's KPIs for a period (default: the last 30 days) beside the previous"
            " period of the same length: funnel, money, referred against other customers,"
            " checks, channels, a time series, top advocates and the contest standings.",
            _json("The period's figures.", _ref("Analytics")),
            parameters=[
                _query("start", "The first day, YYYY-MM-DD (UTC).", type="string", format="date"),
                _query("end", "The last day, YYYY-MM-DD (default today).", type="string",
                       format="date"),
                _query("granularity", "The series' buckets (default day).",
                       enum=["day", "week", "month"]),
                _query("version", "Only this program version's figures.", type="integer",
                       minimum=1),
            ],
            others=BAD_QUERY,
        )
    },
    "/admin/api/exports/{kind}.csv": {
        "get": _op(
            "A CSV export with a header row, streamed: `referrals`, `advocates` or `rewards`"
            " (all, or those made between `start` and `end`), or `kpis`: one row per day of the"
            " period (default the last 30 days) with every figure.",
            {"description": "CSV with a header row.", "content": {"text/csv": {"schema": STR}}},
            parameters=[
                {"name": "kind", "in": "path", "required": True, "description": "What to export.",
                 "schema": {"enum": ["referrals", "advocates", "rewards", "kpis"]}},
                _query("start", "The first day, YYYY-MM-DD (UTC).", type="string", format="date"),
                _query("end", "The last day, YYYY-MM-DD.", type="string", format="date"),
            ],
            others={**BAD_QUERY, "404": _error("No such export.")},
        )
    },
    "/admin/api/webhooks": {
        "get": _op(
            "The shop's outbound webhook endpoints, and the events one may subscribe to.",
            _json("The endpoints.", _row(
                events={"type": "array", "items": {"enum": list(EVENTS)}},
                endpoints={"type": "array", "items": _ref("WebhookEndpoint")},
            )),
        ),
        "post": _op(
            "Register an HTTPS endpoint for some events (all by default). Each request it gets"
            " is signed: `X-Referral-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of"
            " '<t>.<body>' under the secret>`. A URL on a private, loopback or link-local"
            " address is refused, as store URLs are.",
            _json("Registered; `secret` is shown this once.", _ref("WebhookEndpoint")),
            status="201",
            requestBody=_body(
                ["url"],
                url={"type": "string", "maxLength": 2000, "pattern": "^https://"},
                events={"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1},
                description={"type": "string", "maxLength": 255},
            ),
            others={**BAD_BODY, "422": _error('`error` is "invalid body"; `fields` says why.')},
        ),
    },
    "/admin/api/webhooks/{id}": {
        "put": _op(
            "Switch an endpoint on or off, or change its events.",
            _json("The endpoint now.", _ref("WebhookEndpoint")),
            parameters=[WEBHOOK_ID],
            requestBody=_body(
                [], active=BOOL,
                events={"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1},
            ),
            others={**BAD_BODY, **NOT_FOUND,
                    "422": _error('`error` is "invalid body"; `fields` says why.')},
        ),
        "delete": _op(
            "Remove an endpoint and the messages queued for it.",
            {"description": "Removed."},
            status="204",
            parameters=[WEBHOOK_ID],
            others=NOT_FOUND,
        ),
    },
    "/admin/api/webhooks/{id}/messages": {
        "get": _op(
            "The endpoint's newest 50 messages, each with every attempt (status code or error).",
            _json("The messages.", _row(messages={"type": "array",
                                                  "items": _ref("WebhookMessage")})),
            parameters=[WEBHOOK_ID],
            others=NOT_FOUND,
        )
    },
    "/admin/api/webhook-messages/{id}/resend": {
        "post": _op(
            "Queue a message again with a fresh budget of tries.",
            _json("Queued.", _row(queued=BOOL)),
            parameters=[_path("id", "The message's id.")],
            others=NOT_FOUND,
        )
    },
    "/admin/api/settings": {
        "get": _op(
            "The shop's settings, with the widget's default copy for each locale.",
            _json("The settings.", _ref("Settings")),
        ),
        "put": _op(
            "Change some settings; absent fields stay, a locale's `copy` replaces its overrides.",
            _json("The settings now.", _ref("Settings")),
            requestBody=_body(
                [],
                ref_param={"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$"},
                consent={"enum": CONSENT},
                name=STR_N,
                url=STR_N,
                copy={
                    "type": "object",
                    "additionalProperties": OBJECT,
                    "propertyNames": {"enum": LOCALES},
                },
            ),
            others={
                **BAD_BODY,
                "422": _error('`error` is "invalid settings"; `fields` names each bad field.'),
            },
        ),
    },
    "/admin/api/partners": {
        "get": _op(
            "The live program's partner brands, enrolled or not, with their landing text.",
            _json("The partners.", _list("partners", "Partner")),
        ),
        "post": _op(
            "Enrol one of the program's partners (its shared code) with its landing text.",
            _json("Enrolled now.", _row(partner=_ref("Partner"), created=BOOL)),
            status="201",
            requestBody=_body(
                ["partner_id"],
                partner_id=_text(limits.CODE, required=True),
                landing={"type": "object", "additionalProperties": STR},
            ),
            others={
                "200": _json("Enrolled already.", _row(partner=_ref("Partner"), created=BOOL)),
                **BAD_BODY,
            },
        ),
    },
    "/admin/api/blocklist": {
        "get": _op(
            "The shop's blocklist, newest first: emails, email domains, customer ids, IP"
            " addresses and postal addresses the `blocklist` fraud check stops.",
            _json("The entries.", _list("entries", "BlockEntry")),
        ),
        "post": _op(
            "List an email, domain, customer id, IP address or address (`street, postcode`).",
            _json("Listed now.", _row(entry=_ref("BlockEntry"), created=BOOL)),
            status="201",
            requestBody=_body(
                ["kind", "value"],
                kind={"type": "string", "enum": ["email", "domain", "customer", "ip", "address"]},
                value=_text(limits.LIMITS["value"], required=True),
                note=_text(limits.NOTE),
            ),
            others={
                "200": _json("Listed already.", _row(entry=_ref("BlockEntry"), created=BOOL)),
                **BAD_BODY,
            },
        ),
    },
    "/admin/api/blocklist/{id}": {
        "delete": _op(
            "Take an entry off the blocklist.",
            _json("Deleted.", _row(deleted=INT)),
            parameters=[_path("id", "The entry's id.")],
            others={**NOT_FOUND},
        )
    },
    "/admin/api/program/diff": {
        "get": _op(
            "What changed between two saved versions.",
            _json(
                "The changed fields.",
                _row(
                    **{
                        "from": INT,
                        "to": INT,
                        "changes": {"type": "array", "items": _ref("Change")},
                    }
                ),
            ),
            parameters=[
                {
                    **_query(
                        "from",
                        "The version to compare from.",
                        type="integer",
                        minimum=0,
                        maximum=MAX_ID,
                    ),
                    "required": True,
                },
                _query(
                    "to",
                    "The version to compare to (default: the live one).",
                    type="integer",
                    minimum=0,
                    maximum=MAX_ID,
                ),
            ],
            others={**BAD_QUERY, "404": _error("The program has no such version.")},
        )
    },
    "/admin/api/program/versions/{version}/restore": {
        "post": _op(
            "Save an earlier version's rules again as the next version.",
            _json(
                "Saved; `restored_from` names the version it came from.",
                {"allOf": [_ref("SavedProgram"), _row(restored_from=INT)]},
            ),
            parameters=[_path("version", "The version to restore.")],
            others={
                "404": _error("The program has no such version."),
                "422": _error("That version is no longer a valid program; `fields` says why."),
            },
        )
    },
    "/admin/api/referrals/{id}": {
        "get": _op(
            "One referral: evidence, winning signal, findings with reasons, transitions, rewards.",
            _json("The referral explained.", _ref("ReferralDetail")),
            parameters=[REFERRAL_ID],
            others=NOT_FOUND,
        )
    },
    "/admin/api/referrals/{id}/approve": {
        "post": _review("Approve a flagged referral (it finishes its hold as pending).")
    },
    "/admin/api/referrals/{id}/reject": {
        "post": _review("Reject a flagged or pending referral; nothing is issued for it.")
    },
    "/admin/api/review": {
        "get": _op(
            "Flagged referrals waiting for a person, oldest first.",
            _json("The queue.", _list("referrals", "Referral")),
        )
    },
    "/admin/api/payouts": {
        "get": _op(
            "Cash and charity-donation records to pay out, oldest first.",
            _json("The records.", _list("payouts", "Payout")),
            parameters=PAYOUT_FILTERS,
            others=BAD_QUERY,
        )
    },
    "/admin/api/payouts.csv": {
        "get": _op(
            "The same records as CSV.",
            {"description": "CSV with a header row.", "content": {"text/csv": {"schema": STR}}},
            parameters=PAYOUT_FILTERS,
            others=BAD_QUERY,
        )
    },
    "/admin/api/payouts/{id}/paid": {
        "post": _op(
            "Mark a cash or donation record paid, as the session's user; marking it twice"
            " changes nothing.",
            _json("The record, paid.", _row(payout=_ref("Payout"))),
            parameters=[_path("id", "The record's reward_id.")],
            requestBody=_body([], reference={"type": "string", "maxLength": 255}),
            others={
                **NOT_FOUND,
                **BAD_BODY,
                "409": _error("The record is not one to pay (pending, failed or taken back)."),
            },
        )
    },
    "/admin/api/contests/{contest_id}/leaderboard": {
        "get": _op(
            "The live program's contest standings.",
            _json("The leaderboard.", _ref("Leaderboard")),
            parameters=[_path("contest_id", "The contest's id in the program.", "string")],
            others={"404": _error("The live program has no contest with that id.")},
        )
    },
    "/admin/api/deliveries": {
        "get": _op(
            "The shop's webhook deliveries, newest first (failures end as `dead`).",
            _json("The deliveries.", _list("deliveries", "Delivery")),
            parameters=[
                _query(
                    "status",
                    "Only deliveries in this state.",
                    enum=DELIVERY_STATES,
                ),
                LIMIT,
            ],
            others=BAD_QUERY,
        )
    },
    "/admin/api/deliveries/{id}/replay": {
        "post": _op(
            "Queue one of the shop's deliveries again with a fresh retry budget.",
            _json("Queued.", _row(id=INT, status={"enum": ["pending"]})),
            status="202",
            parameters=[_path("id", "The delivery's id.")],
            others={**NOT_FOUND, "409": _error("A worker is processing it right now.")},
        )
    },
}

PATHS["/admin/api/rewards/{id}/retry"] = {
    "post": _op(
        "Queue one of the shop's failed rewards again (e.g. after a store outage); it is issued"
        " once, with the same code.",
        _json("Queued.", _row(id=INT, status={"enum": ["pending"]})),
        status="202",
        parameters=[_path("id", "The reward's id.")],
        others={
            **NOT_FOUND,
            "409": _error(
                "The reward is not failed, or is store credit that may already be in the store."
            ),
        },
    )
}
PATHS["/admin/api/alerts"] = {
    "get": _op(
        "What needs the merchant now: rewards that failed, deliveries dead-lettered.",
        _json("The alerts (empty when all is well).", _list("alerts", "Alert")),
    )
}

# ---------------------------------------------------------------------------------------------
# Notifications: the page's data and changes, a preview, a test send, and the message outbox.
# ---------------------------------------------------------------------------------------------

MESSAGE_KINDS = list(KINDS)
MESSAGE_STATES = list(OUTBOX_STATUSES)
_TEXT_PAIR = _row(subject=STR, body=STR)
SCHEMAS["NotificationKind"] = _row(
    name={"enum": MESSAGE_KINDS},
    audience={"enum": [a.value for a in Audience]},
    category={
        "enum": [c.value for c in Category],
        "description": "marketing: only with consent, never after an unsubscribe.",
    },
    on=BOOL,
    placeholders={
        "type": "object",
        "additionalProperties": STR,
        "description": "Each placeholder the texts may use ({{ name }}), with a sample value.",
    },
    texts={
        "type": "object",
        "additionalProperties": _row(subject=STR, body=STR, custom=BOOL),
        "description": "Per locale: what the shop sends (its own text when `custom`).",
    },
    defaults={"type": "object", "additionalProperties": _TEXT_PAIR},
    whatsapp={"type": "boolean", "description": "Also sent by WhatsApp to opted-in shoppers."},
)
SCHEMAS["Notifications"] = _row(
    kinds={"type": "array", "items": _ref("NotificationKind")},
    settings=_row(
        from_name=STR,
        from_address=STR,
        reply_to=STR,
        merchant_email=STR,
        locale={"enum": list(MESSAGE_LOCALES)},
        ask_after_days=INT,
        winback_after_days=INT,
        long_time_orders=INT,
        store_consent={"enum": list(STORE_CONSENT_MODES)},
        platform=STR,
    ),
    channels=_row(
        email=_row(on=BOOL, detail=STR),
        whatsapp=_row(
            on=BOOL,
            phone_number_id=STR,
            detail=STR,
            templates={"type": "object", "additionalProperties": STR},
        ),
    ),
    locales={"type": "array", "items": STR},
)
SCHEMAS["Message"] = _row(
    id=INT,
    shop=STR,
    kind={"enum": MESSAGE_KINDS},
    channel={"enum": ["email", "whatsapp"]},
    recipient=STR,
    locale=STR,
    status={"enum": MESSAGE_STATES},
    reason={"type": ["string", "null"], "description": "Why it was skipped or dead-lettered."},
    attempts=INT,
    created_at=TIME,
    sent_at=TIME_N,
    last_error=STR_N,
)
_ADDRESS_N = {
    **_text(MAX_EMAIL, nullable=True),
    "description": "An email address; empty clears it.",
}
_DAYS = {"type": "integer"}
_OWN_TEXT = {
    "oneOf": [
        {"type": "null"},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "subject": _text(MAX_SUBJECT, nullable=True),
                "body": {"type": ["string", "null"], "maxLength": MAX_BODY},
            },
        },
    ],
    "description": "The shop's own subject and body (Jinja placeholders); null: the default.",
}
_DRAFT = {
    "kind": {"enum": MESSAGE_KINDS},
    "locale": {"enum": [*MESSAGE_LOCALES, None], "description": "Absent or null: English."},
    "subject": _text(MAX_SUBJECT, nullable=True),
    "body": {"type": ["string", "null"], "maxLength": MAX_BODY},
}
TEMPLATE_ERRORS = {
    **BAD_BODY,
    "422": _error(
        '`error` is "invalid notifications" or "invalid body"; `fields` names each bad field'
        " (a text that does not parse, names an unknown placeholder or uses more than"
        " placeholders, if and text filters)."
    ),
}
PATHS["/admin/api/notifications"] = {
    "get": _op(
        "Every message kind with its switch, placeholders and texts per locale; the sender,"
        " timings and consent; whether email and WhatsApp are on.",
        _json("The notifications.", _ref("Notifications")),
    ),
    "put": _op(
        "Change some of it; absent fields stay. A bad field changes nothing.",
        _json("The notifications now.", _ref("Notifications")),
        requestBody=_body(
            [],
            kinds={
                "type": "object",
                "propertyNames": {"enum": MESSAGE_KINDS},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "on": BOOL,
                        "texts": {
                            "type": "object",
                            "propertyNames": {"enum": list(MESSAGE_LOCALES)},
                            "additionalProperties": _OWN_TEXT,
                        },
                    },
                },
            },
            from_name=_text(100, nullable=True),
            from_address=_ADDRESS_N,
            reply_to=_ADDRESS_N,
            merchant_email=_ADDRESS_N,
            locale={"enum": list(MESSAGE_LOCALES)},
            ask_after_days={**_DAYS, "minimum": 1, "maximum": 365},
            winback_after_days={**_DAYS, "minimum": 7, "maximum": 730},
            long_time_orders={**_DAYS, "minimum": 2, "maximum": 100},
            store_consent={
                "enum": list(STORE_CONSENT_MODES),
                "description": "Where the store keeps no marketing consent (WooCommerce):"
                " store = send no marketing; collected = you collect consent yourself.",
            },
            whatsapp={
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "phone_number_id": {"type": "string", "pattern": "^[0-9]{1,32}$"},
                            "token": {**_text(1000), "description": "Write-only; kept encrypted."},
                            "templates": {
                                "type": "object",
                                "propertyNames": {"enum": MESSAGE_KINDS},
                                "additionalProperties": {
                                    "type": "string",
                                    "pattern": "^[a-z0-9_]{1,512}$",
                                },
                            },
                        },
                    },
                ],
                "description": "The shop's WhatsApp Business number; null disconnects it.",
            },
        ),
        others=TEMPLATE_ERRORS,
    ),
}
PATHS["/admin/api/notifications/preview"] = {
    "post": _op(
        "A kind rendered in a locale with real sample data: the saved text, or the draft given.",
        _json("The rendered message.", _row(subject=STR, text=STR, html=STR)),
        requestBody=_body(["kind"], **_DRAFT),
        others=TEMPLATE_ERRORS,
    )
}
PATHS["/admin/api/notifications/test"] = {
    "post": _op(
        "Send the preview now to `to` or the shop's merchant email, marked as a test.",
        _json("Sent.", _row(sent={"enum": [True]}, to=STR)),
        requestBody=_body(["kind"], **_DRAFT, to=_ADDRESS_N),
        others={
            **TEMPLATE_ERRORS,
            "502": _error("The mail server did not take the test; the message says why."),
            "503": _error("Email is off on this server (SMTP_URL is not set)."),
        },
    )
}
PATHS["/admin/api/messages"] = {
    "get": _op(
        "The shop's messages, newest first: kind, recipient, status and why, tries, last error.",
        _json(
            "A page of messages.",
            _list("messages", "Message", next_cursor={"type": ["string", "null"]}),
        ),
        parameters=[
            _query("status", "Only messages in this state.", enum=MESSAGE_STATES),
            _query("kind", "Only messages of this kind.", enum=MESSAGE_KINDS),
            CURSOR,
            LIMIT,
        ],
        others=BAD_QUERY,
    )
}
PATHS["/admin/api/messages/{id}/replay"] = {
    "post": _op(
        "Send one of the shop's dead or skipped messages again, with the same Message-ID.",
        _json("Queued.", _row(id=INT, status={"enum": ["pending"]})),
        status="202",
        parameters=[_path("id", "The message's id.")],
        others={**NOT_FOUND, "409": _error("The message was sent, or is on its way.")},
    )
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Referral Connector admin API",
        "version": "1",
        "description": (
            "The merchant's admin: program, advocates, referrals, reviews, payouts, contests,"
            " deliveries and notifications of the shop the session token names. Every error is JSON"
            ' `{"error": "..."}`.'
        ),
    },
    "security": [{"sessionToken": []}, {"adminToken": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "sessionToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "The Shopify session token App Bridge gives the embedded admin.",
            },
            "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "wca1.<base64url JSON claims>.<hex HMAC-SHA256>",
                "description": (
                    "The WooCommerce plugin's admin token (refconn_current_admin_token): a"
                    " store, a WordPress user who may manage WooCommerce, and an expiry at most"
                    " an hour ahead, signed with the store's webhook secret."
                ),
            },
        },
        "schemas": SCHEMAS,
    },
}
