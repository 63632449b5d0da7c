"""Email normalization and disposable-domain detection, for attribution and fraud checks."""

from __future__ import annotations

from collections.abc import Iterable

_GMAIL = frozenset({"gmail.com", "googlemail.com"})

# Common throwaway inboxes; a program can add its own (`fraud.disposable_domains`).
DISPOSABLE_DOMAINS = frozenset(
    {
        "10minutemail.com", "20minutemail.com", "burnermail.io", "discard.email",
        "dispostable.com", "emailondeck.com", "fakeinbox.com", "getairmail.com",
        "getnada.com", "guerrillamail.com", "guerrillamail.net", "guerrillamailblock.com",
        "inboxkitten.com", "mailcatch.com", "maildrop.cc", "mailinator.com", "mailnesia.com",
        "mintemail.com", "mohmal.com", "moakt.com", "mytemp.email", "sharklasers.com",
        "spamgourmet.com", "temp-mail.org", "tempail.com", "tempmail.com", "tempmailo.com",
        "tempr.email", "throwawaymail.com", "trashmail.com", "trashmail.de", "yopmail.com",
        "yopmail.net",
    }
)  # fmt: skip


def normalize_email(email: str) -> str:
    """The canonical form of an address: lower-case, no +alias, no dots in Gmail local parts."""
    # Stripping one layer can expose another (a trailing dot after a space), so repeat to a
    # fixed point: normalizing twice must give the same as once.
    current = email
    for _ in range(len(email) + 2):
        following = _normalize_once(current)
        if following == current:
            break
        current = following
    return current


def _normalize_once(email: str) -> str:
    text = email.strip().lower().strip()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    domain = domain.rstrip(".")
    if domain == "googlemail.com":
        domain = "gmail.com"
    base, plus, _alias = local.partition("+")
    if plus and base:
        local = base
    if domain in _GMAIL:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def email_domain(email: str) -> str:
    """The domain of an address, lower-case, or '' when there is none."""
    _local, at, domain = email.strip().lower().rpartition("@")
    return domain.rstrip(".") if at else ""


def is_disposable(email: str, extra_domains: Iterable[str] = ()) -> bool:
    """True when the address's domain (or a parent domain) is a known throwaway inbox."""
    domain = email_domain(email)
    listed = DISPOSABLE_DOMAINS | {d.strip().lower() for d in extra_domains}
    parts = domain.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))
