"""What the merchant edits on the Notifications page: switches, texts, sender, timings, WhatsApp.

`notifications_view` is the page's data: every kind with its switch, its placeholders (with
sample values), its texts per locale (the shop's own, else the default) and the defaults; the
shop's sender and timings; whether each channel is on and, if not, what to do. `update` checks
a change whole (templates parse and name only the kind's placeholders; addresses, numbers and
choices are valid) and writes it in one update, so a bad field changes nothing. `preview`
renders a kind with real sample data: the shop's own name and address, and the newest advocate's
first name, code and link when the shop has one. `send_test` sends that to the merchant now,
marked as a test, outside the outbox (it is no message to a shopper).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from tortoise.transactions import in_transaction

from connector.domain.messages import KINDS, LOCALES, Audience, MessageKind, message_kind
from connector.errors import ConnectorError
from connector.services.base.messages import notification_settings
from connector.services.base.runtime import Runtime
from connector.services.notifications import mail, whatsapp
from connector.services.notifications.consent import STORE_CONSENT_MODES, store_consent_mode
from connector.services.notifications.preferences import (
    DEFAULT_ASK_AFTER_DAYS,
    DEFAULT_WINBACK_AFTER_DAYS,
    kind_on,
    override,
    reply_to,
    sender,
    shop_values,
    text_for,
)
from connector.services.notifications.render import Rendered, TemplateRefused, check_text, render
from connector.services.notifications.sender import our_host
from connector.services.referrals.advocates import share_link
from connector.services.referrals.notices import DEFAULT_LONG_TIME_ORDERS
from connector.services.referrals.programs import terms_url
from connector.store.models import Advocate, Shop

MAX_SUBJECT, MAX_BODY, MAX_EMAIL = 200, 5000, 320
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f]")
_NUMBERS = {
    # name -> (default, smallest, largest)
    "ask_after_days": (DEFAULT_ASK_AFTER_DAYS, 1, 365),
    "winback_after_days": (DEFAULT_WINBACK_AFTER_DAYS, 7, 730),
    "long_time_orders": (DEFAULT_LONG_TIME_ORDERS, 2, 100),
}
_ADDRESSES = ("from_address", "reply_to", "merchant_email")
FIELDS = ("kinds", "from_name", *_ADDRESSES, "locale", *_NUMBERS, "store_consent", "whatsapp")


class NotificationsRefused(ConnectorError, ValueError):
    """The change is not valid: `errors` lists `(field path, message)` for each bad field."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


class TestNotSent(ConnectorError):
    """The test message could not be sent: `status` is the HTTP answer that says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _kind_view(shop: Shop, kind: MessageKind) -> dict[str, Any]:
    return {
        "name": kind.name,
        "audience": kind.audience.value,
        "category": kind.category.value,
        "on": kind_on(shop, kind),
        "placeholders": dict(kind.placeholders),
        "texts": {
            locale: {
                "subject": text_for(shop, kind, locale).subject,
                "body": text_for(shop, kind, locale).body,
                "custom": bool(override(shop, kind.name, locale)),
            }
            for locale in LOCALES
        },
        "defaults": {
            locale: {"subject": kind.text(locale).subject, "body": kind.text(locale).body}
            for locale in LOCALES
        },
        "whatsapp": bool(kind.whatsapp_params),
    }


def notifications_view(runtime: Runtime, shop: Shop) -> dict[str, Any]:
    """The page's data: kinds, settings, and whether each channel is on."""
    own = notification_settings(shop)
    name, address = sender(runtime, shop)
    connected = whatsapp.account(runtime, shop)
    stored_whatsapp = own.get("whatsapp") if isinstance(own.get("whatsapp"), Mapping) else {}
    mail_on = runtime.settings.mail.configured
    return {
        "kinds": [_kind_view(shop, kind) for kind in KINDS.values()],
        "settings": {
            "from_name": name,
            "from_address": address,
            "reply_to": reply_to(shop) or "",
            "merchant_email": str(own.get("merchant_email") or ""),
            "locale": own.get("locale") if own.get("locale") in LOCALES else LOCALES[0],
            **{n: _number(own, n) for n in _NUMBERS},
            "store_consent": store_consent_mode(shop),
            "platform": shop.platform,
        },
        "channels": {
            "email": {
                "on": mail_on,
                "detail": "" if mail_on else "Email is off on this server: set SMTP_URL.",
            },
            "whatsapp": {
                "on": connected is not None,
                "phone_number_id": connected.phone_number_id if connected else "",
                "templates": dict((stored_whatsapp or {}).get("templates") or {}),
                "detail": "" if connected else "Connect your WhatsApp Business number to send.",
            },
        },
        "locales": list(LOCALES),
    }


def _number(own: Mapping[str, Any], name: str) -> int:
    value = own.get(name)
    default = _NUMBERS[name][0]
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _text_problem(kind: MessageKind, part: str, value: object) -> str | None:
    """What is wrong with a subject or body a merchant wrote, or None."""
    most = MAX_SUBJECT if part == "subject" else MAX_BODY
    if not isinstance(value, str) or len(value) > most:
        return f"must be text of at most {most} characters"
    if part == "subject" and _CONTROL.search(value):
        return "must be one line, without control characters"
    try:
        check_text(kind, part, value)
    except TemplateRefused as exc:
        return exc.message
    return None


def _kinds_change(
    current: dict[str, Any], change: Any, errors: list[tuple[str, str]]
) -> dict[str, Any]:
    if not isinstance(change, Mapping):
        errors.append(("kinds", "must be an object of message kinds"))
        return current
    kinds = {k: dict(v) for k, v in current.items() if isinstance(v, Mapping)}
    for name, edit in change.items():
        path = f"kinds.{name}"
        if name not in KINDS:
            errors.append((path, f"is not a message kind (use {', '.join(KINDS)})"))
            continue
        if not isinstance(edit, Mapping) or set(edit) - {"on", "texts"}:
            errors.append((path, "must be an object with on and texts"))
            continue
        entry = kinds.setdefault(name, {})
        if "on" in edit:
            if not isinstance(edit["on"], bool):
                errors.append((f"{path}.on", "must be true or false"))
            else:
                entry["on"] = edit["on"]
        if "texts" in edit:
            entry["texts"] = _texts_change(
                KINDS[name], dict(entry.get("texts") or {}), edit["texts"], path, errors
            )
    return kinds


def _texts_change(
    kind: MessageKind, texts: dict[str, Any], change: Any, path: str, errors: list[tuple[str, str]]
) -> dict[str, Any]:
    if not isinstance(change, Mapping):
        errors.append((f"{path}.texts", "must be an object of locales"))
        return texts
    for locale, text in change.items():
        where = f"{path}.texts.{locale}"
        if locale not in LOCALES:
            errors.append((where, f"is not a locale (use {', '.join(LOCALES)})"))
            continue
        if text is None:  # back to the default
            texts.pop(locale, None)
            continue
        if not isinstance(text, Mapping) or set(text) - {"subject", "body"}:
            errors.append((where, "must be an object with subject and body, or null"))
            continue
        kept: dict[str, str] = {}
        for part in ("subject", "body"):
            value = text.get(part)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue  # empty: the default
            problem = _text_problem(kind, part, value)
            if problem is not None:
                errors.append((f"{where}.{part}", problem))
                continue
            kept[part] = value
        if kept:
            texts[locale] = kept
        else:
            texts.pop(locale, None)
    return texts


def _whatsapp_change(
    runtime: Runtime, current: Any, change: Any, errors: list[tuple[str, str]]
) -> dict[str, Any] | None:
    if change is None:
        return None  # disconnected
    if not isinstance(change, Mapping) or set(change) - {"phone_number_id", "token", "templates"}:
        errors.append(("whatsapp", "must be an object with phone_number_id, token and templates"))
        return dict(current) if isinstance(current, Mapping) else None
    stored = dict(current) if isinstance(current, Mapping) else {}
    number = change.get("phone_number_id", stored.get("phone_number_id"))
    if not isinstance(number, str) or not re.fullmatch(r"[0-9]{1,32}", number):
        errors.append(("whatsapp.phone_number_id", "must be the number's id: digits only"))
    else:
        stored["phone_number_id"] = number
    token = change.get("token")
    if token is not None:
        if (
            not isinstance(token, str)
            or not token.strip()
            or len(token) > 1000
            or _CONTROL.search(token)
        ):
            errors.append(("whatsapp.token", "must be the access token (at most 1000 characters)"))
        else:
            runtime.remember_secret(token.strip())
            stored["token"] = runtime.vault.encrypt(token.strip())
    elif not stored.get("token"):
        errors.append(("whatsapp.token", "is required to connect the number"))
    templates = change.get("templates", stored.get("templates") or {})
    if not isinstance(templates, Mapping) or any(
        k not in KINDS or not isinstance(v, str) or not re.fullmatch(r"[a-z0-9_]{1,512}", v)
        for k, v in templates.items()
    ):
        errors.append(("whatsapp.templates", "must map kinds to template names (a-z, 0-9, _)"))
    else:
        stored["templates"] = dict(templates)
    return stored


def _plain_change(
    own: dict[str, Any], body: Mapping[str, Any], errors: list[tuple[str, str]]
) -> None:
    for name in _ADDRESSES:
        if name in body:
            value = body[name]
            if value in (None, ""):
                own.pop(name, None)
            elif (
                not isinstance(value, str) or len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value)
            ):
                errors.append((name, "must be an email address"))
            else:
                own[name] = value.strip()
    if "from_name" in body:
        value = body["from_name"]
        if value in (None, ""):
            own.pop("from_name", None)
        elif not isinstance(value, str) or len(value) > 100 or _CONTROL.search(value):
            errors.append(("from_name", "must be a name of at most 100 characters"))
        else:
            own["from_name"] = value.strip()
    if "locale" in body:
        if body["locale"] not in LOCALES:
            errors.append(("locale", f"must be one of {', '.join(LOCALES)}"))
        else:
            own["locale"] = body["locale"]
    for name, (_, least, most) in _NUMBERS.items():
        if name in body:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
                errors.append((name, f"must be a whole number from {least} to {most}"))
            else:
                own[name] = value
    if "store_consent" in body:
        if body["store_consent"] not in STORE_CONSENT_MODES:
            errors.append(("store_consent", f"must be one of {', '.join(STORE_CONSENT_MODES)}"))
        else:
            own["store_consent"] = body["store_consent"]


async def update(runtime: Runtime, shop: Shop, body: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a change (absent fields stay); NotificationsRefused names every bad field."""
    errors = [(k, "is not a known field") for k in sorted(body) if k not in FIELDS]
    async with in_transaction() as tx:
        row = await Shop.filter(id=shop.id).using_db(tx).select_for_update().first()
        if row is None:
            raise LookupError(f"no shop {shop.id}")
        own = notification_settings(row)
        if "kinds" in body:
            own["kinds"] = _kinds_change(dict(own.get("kinds") or {}), body["kinds"], errors)
        _plain_change(own, body, errors)
        if "whatsapp" in body:
            connected = _whatsapp_change(runtime, own.get("whatsapp"), body["whatsapp"], errors)
            if connected is None:
                own.pop("whatsapp", None)
            else:
                own["whatsapp"] = connected
        if errors:
            raise NotificationsRefused(errors)
        row.settings = {**(row.settings or {}), "notifications": own}
        await row.save(using_db=tx, update_fields=["settings", "updated_at"])
    shop.settings = row.settings
    return notifications_view(runtime, shop)


async def _sample_values(runtime: Runtime, shop: Shop, kind: MessageKind) -> dict[str, str]:
    """The kind's sample values, with the shop's own and its newest advocate's where it has one."""
    values = {**kind.placeholders, **shop_values(runtime, shop)}
    if kind.audience is Audience.SHOPPER:
        newest = (
            await Advocate.filter(shop_id=shop.id, kind="customer", status="active")
            .order_by("-id")
            .first()
        )
        if newest is not None:
            if newest.name:
                values["first_name"] = newest.name.split(" ")[0]
            values["friend_code"] = newest.friend_code
            values["share_link"] = share_link(shop, newest)
    return values


def _draft(kind: MessageKind, locale: str, subject: str | None, body: str | None) -> None:
    errors: list[tuple[str, str]] = []
    for part, value in (("subject", subject), ("body", body)):
        problem = _text_problem(kind, part, value) if value is not None else None
        if problem is not None:
            errors.append((part, problem))
    if locale not in LOCALES:
        errors.append(("locale", f"must be one of {', '.join(LOCALES)}"))
    if errors:
        raise NotificationsRefused(errors)


async def preview(
    runtime: Runtime,
    shop: Shop,
    kind_name: str,
    locale: str,
    *,
    subject: str | None = None,
    body: str | None = None,
) -> Rendered:
    """The kind rendered with real sample data, with a draft subject or body if given."""
    if kind_name not in KINDS:
        raise NotificationsRefused([("kind", f"is not a message kind (use {', '.join(KINDS)})")])
    kind = message_kind(kind_name)
    _draft(kind, locale, subject, body)
    saved = text_for(shop, kind, locale)
    text = type(saved)(subject or saved.subject, body or saved.body)
    values = await _sample_values(runtime, shop, kind)
    unsubscribe = (
        f"{runtime.settings.public_url}/notifications/unsubscribe" if kind.marketing else None
    )
    return render(
        kind, text, values, locale=locale, unsubscribe_url=unsubscribe,
        terms_url=terms_url(runtime.settings, shop, locale),
    )  # fmt: skip


async def send_test(
    runtime: Runtime,
    shop: Shop,
    kind_name: str,
    locale: str,
    *,
    to: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> str:
    """Send the preview to the merchant now, marked as a test; the address it went to."""
    rendered = await preview(runtime, shop, kind_name, locale, subject=subject, body=body)
    address = to or str(notification_settings(shop).get("merchant_email") or "")
    if not address:
        raise NotificationsRefused([("to", "give an address, or set the merchant email first")])
    if len(address) > MAX_EMAIL or not _EMAIL.fullmatch(address):
        raise NotificationsRefused([("to", "must be an email address")])
    if not runtime.settings.mail.configured:
        raise TestNotSent("email is off on this server: set SMTP_URL", 503)
    name, from_address = sender(runtime, shop)
    kind = message_kind(kind_name)
    envelope = mail.Envelope(
        sender_name=name, sender=from_address, to=address,
        message_id=f"<test.{uuid.uuid4().hex}@{our_host(runtime)}>", kind=kind_name,
        marketing=kind.marketing, date=runtime.now(), reply_to=reply_to(shop), locale=locale,
        unsubscribe_url=f"{runtime.settings.public_url}/notifications/unsubscribe"
        if kind.marketing else None,
    )  # fmt: skip
    message = mail.build(envelope, f"[Test] {rendered.subject}", rendered.text, rendered.html)
    try:
        await mail.send(runtime.settings.mail, message)
    except mail.SendFailed as exc:
        raise TestNotSent(f"the mail server did not take the test: {exc.detail}", 502) from exc
    return address
