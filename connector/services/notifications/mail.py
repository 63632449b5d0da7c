"""Email: the MIME message for one outbox row, and sending it through the SMTP server.

One message is multipart/alternative (text, then HTML). Its Message-ID carries the outbox key,
so a resend after a crash is the same message to every mail client. Marketing messages carry
`List-Unsubscribe` with a one-click address (RFC 8058, `List-Unsubscribe-Post`); transactional
ones are marked `X-Message-Category: transactional` and `Auto-Submitted: auto-generated`
(RFC 3834) and have no unsubscribe, since they are about what the shopper did or owns.

SMTP failures are mapped in one place (`send`): a 4xx answer, a timeout or a dropped
connection is temporary (`SendFailed.temporary`), a 5xx answer is permanent.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from connector.errors import ConnectorError
from connector.settings import MailSettings

CATEGORY_HEADER = "X-Message-Category"
KIND_HEADER = "X-Message-Kind"


class SendFailed(ConnectorError):
    """A channel (the mail server, WhatsApp) did not take a message: `temporary` says whether
    trying again may help; `detail` is what the outbox records."""

    def __init__(self, detail: str, *, temporary: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.temporary = temporary


@dataclass(frozen=True)
class Envelope:
    """Everything one email needs beyond its parts."""

    sender_name: str
    sender: str
    to: str
    message_id: str
    kind: str
    marketing: bool
    date: datetime
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    locale: str = "en"


def message_id(key: str, shop_id: int, host: str) -> str:
    """The Message-ID of an outbox row: its key and shop, at our host."""
    return f"<{key}.{shop_id}@{host}>"


def build(envelope: Envelope, subject: str, text: str, html: str) -> EmailMessage:
    """The MIME message: headers, then the text and HTML alternatives."""
    msg = EmailMessage()
    msg["From"] = formataddr((envelope.sender_name, envelope.sender))
    msg["To"] = envelope.to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(envelope.date)
    msg["Message-ID"] = envelope.message_id
    msg[KIND_HEADER] = envelope.kind
    if envelope.reply_to:
        msg["Reply-To"] = envelope.reply_to
    if envelope.marketing:
        msg[CATEGORY_HEADER] = "marketing"
        if envelope.unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        msg[CATEGORY_HEADER] = "transactional"
        msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    # After the parts: setting content clears every Content-* header set before.
    msg["Content-Language"] = envelope.locale
    return msg


async def send(settings: MailSettings, msg: EmailMessage) -> str:
    """Hand `msg` to the SMTP server; the server's answer, or SendFailed."""
    if not settings.configured:
        raise SendFailed("email is off: set SMTP_URL", temporary=False)
    try:
        _, answer = await aiosmtplib.send(
            msg,
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password.reveal() if settings.password else None,
            use_tls=settings.use_tls,
            start_tls=settings.starttls,
            timeout=settings.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [e.code for e in exc.recipients]
        detail = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
        raise SendFailed(
            f"recipient refused: {detail}", temporary=all(400 <= c < 500 for c in codes),
        ) from exc  # fmt: skip
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailed(f"{exc.code} {exc.message}", temporary=exc.code < 500) from exc
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}", temporary=True) from exc
    return answer
