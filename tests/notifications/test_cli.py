"""`connector messages`: an operator lists the outbox, reads one message, replays the dead."""

from __future__ import annotations

import json

from tortoise.transactions import in_transaction

from connector.services.base.messages import enqueue
from connector.services.base.runtime import Runtime
from connector.services.notifications.sender import send_due_messages
from connector.store.models import Message, Shop
from tests.conftest import Clock
from tests.notifications.conftest import Connector
from tests.support.mailbox import Mailbox


async def test_list_show_and_replay_a_dead_letter_from_the_command_line(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox, connector: Connector
) -> None:
    async with in_transaction() as tx:
        await enqueue(tx, shop, "reward_earned", "reward-1", to="ana@example.org", now=clock.now,
                      context={"reward": "5 points"}, locale="en")  # fmt: skip
    mailbox.refuse("554 5.7.1 Relay access denied")
    await send_due_messages(runtime)
    dead = await Message.get(shop=shop)
    assert dead.status == "dead"

    listed = await connector.run("messages", "list", "--status", "dead", "--json")
    assert listed.code == 0, listed.err
    [row] = json.loads(listed.out)
    assert (row["id"], row["kind"], row["recipient"], row["reason"], row["last_error"]) == (
        dead.id,
        "reward_earned",
        "ana@example.org",
        "refused",
        "554 5.7.1 Relay access denied",
    )
    shown = await connector.run("messages", "show", str(dead.id))
    assert json.loads(shown.out)["context"] == {"reward": "5 points"}

    replayed = await connector.run("messages", "replay", str(dead.id), "999999")
    assert replayed.code == 1
    assert "queued 1 messages to send again" in replayed.out
    assert replayed.err == "error: no message 999999\n"
    sent = await connector.run("messages", "send")
    assert (sent.code, sent.out.strip()) == (0, "messages settled: 1")
    [got] = mailbox.received
    assert got.message["Subject"].endswith("You earned a reward at Casa Lumbre")
    assert (await Message.get(id=dead.id)).status == "sent"

    again = await connector.run("messages", "replay", str(dead.id))
    assert again.code == 1
    assert "only dead or skipped messages are sent again" in again.err
    usage = await connector.run("messages", "replay")
    assert (usage.code, usage.err) == (2, "error: name message ids to replay, or pass --dead\n")
