"""A real SMTP server in-process (aiosmtpd), keeping every message it accepts for the tests.

It runs on the test's own event loop, on a free loopback port. `refuse` makes it answer the
next messages with a given SMTP code (4xx: temporary, 5xx: permanent) instead of taking them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """The text of the text/<subtype> alternative, with the wire's CRLF read as newlines."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Mailbox:
    """What the server received, and what it should answer next."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    # Called with each message before the server answers it (the SIGKILL test kills there).
    on_message: Callable[[Received], None] | None = None

    def refuse(self, answer: str, times: int = 1) -> None:
        """Answer the next `times` messages with `answer` ("451 4.3.0 try later")."""
        self.refusals.extend([answer] * times)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        raw = envelope.original_content or b""
        parsed: Any = message_from_bytes(raw, policy=policy.default)
        got = Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed)
        self.received.append(got)
        if self.on_message is not None:
            self.on_message(got)
        return "250 OK"


async def serve_mailbox() -> AsyncIterator[Mailbox]:
    """Start the server on a free port; stop it after."""
    box = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(box, hostname="mail.test", enable_SMTPUTF8=True), "127.0.0.1", 0
    )
    box.port = server.sockets[0].getsockname()[1]
    try:
        yield box
    finally:
        server.close()
        await server.wait_closed()
