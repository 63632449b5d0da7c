"""A sender killed between sending and recording: every message arrives, at most twice, same id.

The mail server in this test kills the sending process (SIGKILL) the first time it receives
each message, after the message is in but before the sender hears "250": exactly the moment
between sending and recording. The next sender finds the row still pending once the dead
one's lease lapses (moved to the past here, rather than waiting), sends it again, and records it.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

from tortoise.transactions import in_transaction

from connector.services.base.messages import enqueue
from connector.services.base.runtime import Runtime
from connector.store.models import Message, Shop
from tests.conftest import Clock
from tests.notifications.conftest import Connector
from tests.support.mailbox import Mailbox, Received

MESSAGES = 20


async def test_sigkill_between_send_and_record_twenty_times_loses_nothing(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock, connector: Connector
) -> None:
    async with in_transaction() as tx:
        for n in range(MESSAGES):
            await enqueue(tx, shop, "reward_earned", f"reward-{n}", to=f"friend{n}@example.org",
                          now=clock.now - timedelta(minutes=1), locale="es")  # fmt: skip
    seen: set[str] = set()
    kills = 0

    def kill_on_first_sight(got: Received) -> None:
        nonlocal kills
        ident = str(got.message["Message-ID"]).strip()
        if ident not in seen:
            seen.add(ident)
            kills += 1
            os.kill(connector.pids[-1], signal.SIGKILL)

    mailbox.on_message = kill_on_first_sight
    outcomes = []
    for _ in range(MESSAGES + 5):
        ran = await connector.run("messages", "send")
        assert ran.code <= 0, ran.err
        outcomes.append(ran.code)
        if ran.code == 0:
            break
        # The killed sender's lease lapses (as it would after lease_seconds).
        await Message.filter(lease_token__isnull=False).update(
            lease_until=clock.now - timedelta(seconds=1)
        )

    assert kills == MESSAGES
    assert outcomes == [-signal.SIGKILL] * MESSAGES + [0]
    by_id: dict[str, list[Received]] = {}
    for got in mailbox.received:
        by_id.setdefault(str(got.message["Message-ID"]).strip(), []).append(got)
    assert len(by_id) == MESSAGES  # every message arrived
    assert all(len(copies) <= 2 for copies in by_id.values())  # none more than twice
    for copies in by_id.values():  # a duplicate is the same message, with the same id
        assert {c.message["Subject"] for c in copies} == {copies[0].message["Subject"]}
        assert {tuple(c.rcpt_tos) for c in copies} == {tuple(copies[0].rcpt_tos)}
    rows = await Message.filter(shop=shop).order_by("id")
    assert [r.status for r in rows] == ["sent"] * MESSAGES
    assert {r.message_id for r in rows} == set(by_id)
