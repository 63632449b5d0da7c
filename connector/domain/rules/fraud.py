"""Fraud checks: each compares the friend's order with the advocate and yields a verdict.

Checks: self-referral by customer id; same normalized email; same address (the friend's shipping
or billing address is one the advocate's own orders used); same IP hash and same user-agent
hash (the advocate's are recorded from the widget's join and click calls and their own orders);
disposable email domain; velocity (more than N referrals for one advocate within M hours); the
shop's blocklist. The program sets each check to block, flag for review, or ignore.

Each finding says what matched and where the advocate's value was seen; when nothing of the
advocate's is on record to compare with, it says that instead of claiming a difference.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from connector.domain.emails import is_disposable, normalize_email
from connector.domain.program import CheckAction, Program
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.rules.facts import AdvocateIdentity, History, OrderFacts

ADDRESS_KEYS = ("address1", "address2", "city", "province", "zip", "country")
STREET_KEYS = ("address1", "address2", "zip")
_ALIASES = {"postcode": "zip", "country_code": "country", "province_code": "province"}
_NOT_WORD = re.compile(r"[\W_]+")

_VERDICT = {
    CheckAction.BLOCK: (Verdict.BLOCK, "The referral is blocked."),
    CheckAction.FLAG: (Verdict.FLAG, "The referral waits for a person to review it."),
    CheckAction.IGNORE: (Verdict.IGNORED, "This check is set to ignore, so it does not count."),
}


def normalize_address(
    address: Mapping[str, str], keys: tuple[str, ...] = ADDRESS_KEYS
) -> str:
    """A comparable form of a postal address: lower-case words of its `keys` fields, or ''
    without a first line."""
    fields = {_ALIASES.get(key.lower(), key.lower()): value for key, value in address.items()}
    if not fields.get("address1", "").strip():
        return ""
    parts = (_NOT_WORD.sub(" ", fields.get(key, "").lower()).strip() for key in keys)
    return "|".join(parts)


def address_key(address: Mapping[str, str]) -> str | None:
    """A one-way, comparable key of a postal address; None without a first line.

    The sha256 of the street lines and postcode in their normal form: city and region are
    spelled many ways ("NY", "New York") while the street and postcode pin the place down.
    """
    normal = normalize_address(address, STREET_KEYS)
    return hashlib.sha256(normal.encode()).hexdigest() if normal else None


# What a blocklist entry can name, and how a finding words it.
BLOCK_KINDS = {
    "email": "email", "domain": "email domain", "customer": "customer id",
    "ip": "IP address", "address": "address",
}  # fmt: skip


def blocklist_values(
    order: OrderFacts, who: AdvocateIdentity | None = None
) -> list[tuple[str, str, str]]:
    """The (kind, value, whose) a blocklist is checked for: the friend's, then the advocate's."""
    out: list[tuple[str, str, str]] = []
    for whose, email, customer in (
        ("friend", order.email, order.customer_id),
        ("advocate", who.email if who else None, who.customer_id if who else None),
    ):
        normal = normalize_email(email) if email and "@" in email else ""
        if normal:
            out += [("email", normal, whose), ("domain", normal.rsplit("@", 1)[1], whose)]
        if customer:
            out.append(("customer", customer, whose))
        if whose == "friend":
            if order.ip_hash:
                out.append(("ip", order.ip_hash, whose))
            for address in (order.shipping_address, order.billing_address):
                key = address_key(address)
                if key:
                    out.append(("address", key, whose))
    return out


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
        _same_address(order, rules, who),
        _same_device(Reason.SAME_IP, fraud.same_ip, order.ip_hash, who.ip_hashes, who,
                     "IP address"),
        _same_device(Reason.SAME_USER_AGENT, fraud.same_user_agent, order.user_agent_hash,
                     who.user_agent_hashes, who, "browser (user agent)"),
    ]  # fmt: skip


def _same_address(order: OrderFacts, rules: Program, who: AdvocateIdentity) -> Finding:
    roles = (("shipping", order.shipping_address), ("billing", order.billing_address))
    friend = [(role, key) for role, address in roles if (key := address_key(address))]
    theirs = set(who.address_keys) | {
        key for key in map(address_key, who.shipping_addresses) if key
    }
    hit = next(((role, key) for role, key in friend if key in theirs), None)
    if hit is None:
        clear = (
            f"No address of advocate {who.advocate_id}'s is on record to compare with."
            if not theirs
            else "The order has no address to compare."
            if not friend
            else "The order's addresses are not ones the advocate's orders used."
        )
        return verdict(Reason.SAME_ADDRESS, rules.fraud.same_address, None, clear)
    role, key = hit
    where = who.seen.get(key, "one of their orders")
    return verdict(
        Reason.SAME_ADDRESS, rules.fraud.same_address,
        f"The order's {role} address is the one advocate {who.advocate_id} used: {where}.",
        "", matched=f"{role} address", seen=where,
    )  # fmt: skip


def _same_device(
    reason: Reason, action: CheckAction, mine: str | None, theirs: tuple[str, ...],
    who: AdvocateIdentity, what: str,
) -> Finding:  # fmt: skip
    if mine is not None and mine in theirs:
        where = who.seen.get(mine, "on record")
        return verdict(
            reason, action,
            f"The order came from the {what} advocate {who.advocate_id} used: {where}.", "",
            seen=where,
        )  # fmt: skip
    clear = (
        f"The order carries no {what} to compare."
        if mine is None
        else f"No {what} of advocate {who.advocate_id}'s is on record to compare with."
        if not theirs
        else f"The order's {what} is not one the advocate used."
    )
    return verdict(reason, action, None, clear)


def _blocklist(
    order: OrderFacts, rules: Program, history: History, who: AdvocateIdentity
) -> Finding:
    for kind, value, whose in blocklist_values(order, who):
        listed = history.blocklist.get((kind, value))
        if listed is not None:
            return verdict(
                Reason.BLOCKLIST, rules.fraud.blocklist,
                f"The {whose}'s {BLOCK_KINDS[kind]} {listed} is on the shop's blocklist.", "",
                kind=kind, entry=listed, whose=whose,
            )  # fmt: skip
    return verdict(
        Reason.BLOCKLIST, rules.fraud.blocklist, None,
        "Neither the friend nor the advocate is on the shop's blocklist.",
    )  # fmt: skip


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
    found.append(_blocklist(order, program, history, identity))
    return tuple(found)
