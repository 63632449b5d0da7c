"""Message bodies are kept 30 days, then only the metadata: who, which kind, when, how it went.

The job erases the rendered subject and bodies and the placeholders' values of every message
settled (sent, skipped or dead) more than `BODY_DAYS` ago; the row, its key (so the event can
never send it again), the recipient, the status and the times stay for the merchant's records
until the shopper or the shop is redacted.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from connector.services.base.runtime import Runtime
from connector.store.models import Message, MessageStatus

log = logging.getLogger("connector.notifications")

BODY_DAYS = 30
JOB = "erase_old_message_bodies"


async def erase_old_bodies(runtime: Runtime) -> int:
    """Erase the bodies of messages settled more than 30 days ago; how many rows changed."""
    now = runtime.now()
    changed = await Message.filter(
        bodies_erased_at__isnull=True,
        updated_at__lt=now - timedelta(days=BODY_DAYS),
        status__in=(MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.DEAD),
    ).update(subject=None, body_text=None, body_html=None, context={}, bodies_erased_at=now)
    if changed:
        log.info("erased the bodies of %s messages older than %s days", changed, BODY_DAYS)
    return changed
