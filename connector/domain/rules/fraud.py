"""Fraud checks: each compares the friend's order with the advocate and yields a verdict.

Checks: self-referral by customer id; same normalized email; same shipping address; same IP
hash; same user-agent hash; disposable email domain; velocity (more than N referrals for one
advocate within M hours). The program sets each check to block, flag for review, or ignore.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from connector.domain.emails import is_disposable, normalize_email
from connector.domain.program import CheckAction, Program
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.rules.facts import AdvocateIdentity, History, OrderFacts

ADDRESS_KEYS = ("address1", "address2", "city", "province", "zip", "country")
_ALIASES = {"postcode": "zip", "country_code": "country", "province_code": "province"}
_NOT_WORD = re.compile(r"[\W_]+")

_VERDICT = {
    CheckAction.BLOCK: (Verdict.BLOCK, "The referral is blocked."),
    CheckAction.FLAG: (Verdict.FLAG, "The referral waits for a person to review it."),
    CheckAction.IGNORE: (Verdict.IGNORED, "This check is set to ignore, so it does not count."),
}


def normalize_address(address: Mapping[str, str]) -> str:
    """A comparable form of a postal address: lower-case words of its main fields, or ''."""
    fields = {_ALIASES.get(key.lower(), key.lower()): value for key, value in address.items()}
    if not fields.get("address1", "").strip():
        return ""
    parts = (_NOT_WORD.sub(" ", fields.get(key, "").lower()).strip() for key in ADDRESS_KEYS)
    return "|".join(parts)


def verdict(
    reason: Reason, action: CheckAction, hit: str | None, clear: str, **detail: str
) -> Finding:
    """The finding of one check: PASS when `hit` is None, otherwise as `action` says."""
    if hit is None:
        return Finding(reason, Verdict.PASS, clear, detail)
    outcome, consequence = _VERDICT[action]
    return Finding(reason, outcome, f"{hit} {consequence}", {**detail, "action": str(action)})


def _identity_checks(order: OrderFacts, rules: Program, who: AdvocateIdentity) -> list[Finding]:
    fraud = rules.fraud
    name = who.advocate_id
    same_customer = order.customer_id is not None and order.customer_id == who.customer_id
    friend_email = normalize_email(order.email) if order.email else ""
    same_email = (
        bool(friend_email)
        and who.email is not None
        and (normalize_email(who.email) == friend_email)
    )
    address = normalize_address(order.shipping_address)
    theirs = {normalize_address(a) for a in who.shipping_addresses} - {""}
    return [
        verdict(
            Reason.SELF_REFERRAL, fraud.self_referral,
            f"The friend is advocate {name} themself (customer {order.customer_id})."
            if same_customer else None,
            "The friend is a different customer from the advocate.",
        ),
        verdict(
            Reason.SAME_EMAIL, fraud.same_email,
            f"The friend's email {order.email} is the advocate's email once normalized."
            if same_email else None,
            "The friend's email differs from the advocate's.",
        ),
        verdict(
            Reason.SAME_ADDRESS, fraud.same_address,
            f"The order ships to an address advocate {name} has used." if address in theirs else None,
            "The shipping address is not one of the advocate's.",
        ),
        verdict(
            Reason.SAME_IP, fraud.same_ip,
            "The order came from the same IP address as the advocate."
            if order.ip_hash and order.ip_hash in who.ip_hashes else None,
            "The order's IP address is not one the advocate used.",
        ),
        verdict(
            Reason.SAME_USER_AGENT, fraud.same_user_agent,
            "The order came from the same browser (user agent) as the advocate."
            if order.user_agent_hash and order.user_agent_hash in who.user_agent_hashes else None,
            "The order's browser differs from the advocate's.",
        ),
    ]  # fmt: skip


def _disposable(order: OrderFacts, rules: Program) -> Finding:
    throwaway = order.email is not None and is_disposable(
        order.email, rules.fraud.disposable_domains
    )
    return verdict(
        Reason.DISPOSABLE_EMAIL,
        rules.fraud.disposable_email,
        f"The friend's email {order.email} uses a disposable domain." if throwaway else None,
        "The friend's email domain is not a known disposable one.",
    )


def _velocity(order: OrderFacts, rules: Program, history: History, advocate_id: str) -> Finding:
    fraud = rules.fraud
    # Every earlier referral counts here, rejected ones too: velocity is about attempts.
    counted = history.counted(
        advocate_id, order.created_at, rules.caps.period_days, fraud.velocity_hours
    )
    count = 1 + counted.recent
    window = f"{fraud.velocity_hours} hours"
    return verdict(
        Reason.VELOCITY,
        fraud.velocity,
        f"Advocate {advocate_id} has {count} referrals within {window}, "
        f"more than the {fraud.velocity_max} allowed."
        if count > fraud.velocity_max
        else None,
        f"Advocate {advocate_id} has {count} referral(s) within {window} "
        f"(at most {fraud.velocity_max}).",
        count=str(count),
    )


def check_fraud(
    order: OrderFacts, program: Program, history: History, advocate_id: str
) -> tuple[Finding, ...]:
    """Every fraud check for crediting `order` to `advocate_id`, in a fixed order."""
    identity = history.identity(advocate_id)
    found = _identity_checks(order, program, identity)
    found.append(_disposable(order, program))
    found.append(_velocity(order, program, history, advocate_id))
    return tuple(found)
