"""Attribution with evidence: which advocate, if any, referred an order, and why.

Signals, in order of strength: 1 the discount code used; 2 the referral in cart attributes or
order meta; 3 the landing link's ref; 4 the email of a friend who claimed an offer. Each is
listed as evidence, matched or not. Among touches inside the window, the earliest wins (first
touch); at the same moment the stronger signal wins, then the smaller advocate id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from connector.domain.codes import normalize_code
from connector.domain.emails import normalize_email
from connector.domain.reasons import Finding, Reason, blocked, passed
from connector.domain.rules.facts import OrderFacts, ReferralLookup


class Signal(enum.IntEnum):
    """An attribution signal; a lower number is stronger."""

    DISCOUNT_CODE = 1
    CART_ATTRIBUTE = 2
    LANDING_REF = 3
    CLAIMED_EMAIL = 4

    @property
    def label(self) -> str:
        """How the signal is named to a merchant."""
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class Evidence:
    """One signal as considered: its value, whose it is, when it touched, and whether it counted."""

    signal: Signal
    value: str
    advocate_id: str | None
    touched_at: datetime | None
    matched: bool
    reason: Reason
    message: str


@dataclass(frozen=True)
class Attribution:
    """The advocate credited (or None), the winning signal, all evidence and the finding."""

    advocate_id: str | None
    signal: Signal | None
    touched_at: datetime | None
    evidence: tuple[Evidence, ...]
    findings: tuple[Finding, ...]


def _absent(signal: Signal, message: str) -> Evidence:
    return Evidence(signal, "", None, None, False, Reason.NO_SIGNAL, message)


def _code_evidence(
    signal: Signal, shown: str, raw: str, lookup: ReferralLookup, touched: datetime
) -> Evidence:
    owner = lookup.codes.get(normalize_code(raw))
    if owner is None:
        return Evidence(
            signal, raw, None, None, False, Reason.UNKNOWN_CODE, f"{shown} is not a referral code."
        )
    message = f"{shown} belongs to advocate {owner.advocate_id}."
    return Evidence(signal, raw, owner.advocate_id, touched, True, Reason.ATTRIBUTED, message)


def _parse_time(text: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return when if when is not None and when.tzinfo is not None else None


def _ref_values(ref: str, names: tuple[str, ...]) -> list[str]:
    if "=" not in ref and "?" not in ref:
        return [ref.strip()] if ref.strip() else []
    query = urlsplit(ref).query or ref.lstrip("?")
    wanted = {n.lower() for n in names}
    return [value for key, value in parse_qsl(query) if key.lower() in wanted and value]


def gather(order: OrderFacts, lookup: ReferralLookup) -> list[Evidence]:
    """Every signal on the order, in signal order, before the window and first touch apply."""
    placed = order.created_at
    found = [
        _code_evidence(Signal.DISCOUNT_CODE, f"Discount code {code}", code, lookup, placed)
        for code in order.discount_codes
    ] or [_absent(Signal.DISCOUNT_CODE, "No discount code was used.")]

    attributes = {key.lower(): value for key, value in order.attributes.items()}
    at = _parse_time(attributes.get(lookup.touched_at_attribute.lower())) or placed
    by_attribute = [
        _code_evidence(Signal.CART_ATTRIBUTE, f"Cart attribute {name}={value}", value, lookup, at)
        for name in lookup.param_names
        if (value := attributes.get(name.lower()))
    ]
    found += by_attribute or [_absent(Signal.CART_ATTRIBUTE, "No referral in cart attributes.")]

    landing = order.landing_at or placed
    values = _ref_values(order.landing_ref or "", lookup.param_names)
    by_landing = [
        _code_evidence(Signal.LANDING_REF, f"Landing link ref {value}", value, lookup, landing)
        for value in values
    ]
    found += by_landing or [_absent(Signal.LANDING_REF, "The order has no landing referral.")]

    email = normalize_email(order.email) if order.email else ""
    claims = lookup.claims.get(email, ()) if email else ()
    found += [
        Evidence(
            Signal.CLAIMED_EMAIL,
            email,
            claim.advocate_id,
            claim.at,
            True,
            Reason.ATTRIBUTED,
            f"{email} claimed advocate {claim.advocate_id}'s offer on {claim.at.isoformat()}.",
        )
        for claim in claims
    ] or [_absent(Signal.CLAIMED_EMAIL, "The friend's email has claimed no offer.")]
    return found


def _in_window(item: Evidence, placed: datetime, window_days: int) -> Evidence:
    if not item.matched or item.touched_at is None:
        return item
    age = placed - item.touched_at
    if age < timedelta(0):
        why = f"{item.message} It touched after the order was placed, so it does not count."
    elif age > timedelta(days=window_days):
        why = (
            f"{item.message} It touched {age.days} days before the order, "
            f"outside the {window_days}-day window."
        )
    else:
        return item
    return replace(item, matched=False, reason=Reason.OUTSIDE_WINDOW, message=why)


def attribute(
    order: OrderFacts, lookup: ReferralLookup, window_days: int, now: datetime
) -> Attribution:
    """Credit the order to the advocate with the earliest touch inside the window, if any."""
    placed = min(order.created_at, now)
    evidence = [_in_window(e, placed, window_days) for e in gather(order, lookup)]
    live = [e for e in evidence if e.matched and e.touched_at is not None]
    if not live:
        finding = blocked(
            Reason.NO_ATTRIBUTION, "No referral signal matched inside the window; not a referral."
        )
        return Attribution(None, None, None, tuple(evidence), (finding,))
    win = min(live, key=lambda e: (e.touched_at, e.signal, e.advocate_id or ""))
    final = tuple(_against(e, win) for e in evidence)
    assert win.touched_at is not None
    when = win.touched_at.isoformat()
    finding = passed(
        Reason.ATTRIBUTED,
        f"Credited to advocate {win.advocate_id} by {win.signal.label} (first touch {when}).",
        advocate_id=win.advocate_id or "",
        signal=win.signal.name.lower(),
    )
    return Attribution(win.advocate_id, win.signal, win.touched_at, final, (finding,))


def _against(item: Evidence, win: Evidence) -> Evidence:
    """Mark matched evidence for another advocate as losing to the first touch."""
    if not item.matched or item.advocate_id == win.advocate_id:
        return item
    message = f"{item.message} Advocate {win.advocate_id} touched first, so this does not count."
    return replace(item, matched=False, reason=Reason.LATER_TOUCH, message=message)
