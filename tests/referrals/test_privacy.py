"""customers/redact reaches the referral tables: the shopper is gone, the accounting stays."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import claim_offer, enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Advocate, Referral, Reward
from tests.conftest import Clock
from tests.privacy.helpers import MARISOL, OSKAR, compliance, order_by, where_stored
from tests.referrals.helpers import SHOP, deliver, sandbox_shop

# The orders below were placed on 2026-11-20; judge them two days later, whenever tests run.
JUDGED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_redacting_a_referred_friend_erases_them_from_referrals_rewards_and_claims(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Marisol (who claimed Ana's offer) and Oskar both referred by Ana, rewards written
    clock.now = JUDGED_AT
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    await claim_offer(runtime, shop, ana.friend_code, MARISOL.email)
    for shopper, order_id in ((MARISOL, 5600000000000001), (OSKAR, 5600000000000009)):
        body = order_by(shopper, order_id, codes=(ana.friend_code,), currency="USD")
        await deliver(runtime, body, f"d-{order_id}")
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 2
    before = await where_stored((MARISOL.email, str(MARISOL.customer_id)))
    assert {"referral", "reward", "offer_claim"} <= before[MARISOL.email]

    # When the store asks us to redact Marisol
    redact = compliance("customers/redact", MARISOL, [5600000000000001], shop=SHOP)
    assert await deliver(runtime, redact, "d-redact", topic="customers/redact") == {"done": 1}

    # Then no table holds her email, names, phone or address; her customer id remains only in
    # the record of the request itself; Oskar's referral is whole; amounts stay
    assert await where_stored(MARISOL.needles()) == {}
    assert await where_stored((str(MARISOL.customer_id),)) == {
        str(MARISOL.customer_id): {"privacy_request"}
    }
    assert await where_stored((OSKAR.email,)) == {
        OSKAR.email: {"delivery", "order_record", "referral", "reward"}
    }
    referrals = await Referral.all().order_by("id")
    assert [(r.order_id, r.state, r.friend_email) for r in referrals] == [
        ("5600000000000001", "approved", None),
        ("5600000000000009", "approved", OSKAR.email),
    ]
    assert [p["beneficiary"] for p in referrals[0].reward_plans] == [str(ana.id), "[redacted]"]
    friend_rewards = await Reward.filter(side="friend").order_by("id")
    assert [(r.recipient_email, r.amount) for r in friend_rewards] == [
        (None, Decimal("5.00")),
        (OSKAR.email, Decimal("5.00")),
    ]


async def test_redacting_an_advocate_unlinks_them_and_stops_their_code(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Marisol as an advocate
    clock.now = JUDGED_AT
    shop = await sandbox_shop(runtime)
    enrolment = await enrol_advocate(
        runtime,
        shop,
        email=MARISOL.email,
        customer_id=str(MARISOL.customer_id),
        name=f"{MARISOL.first_name} {MARISOL.last_name}",
    )

    # When she is redacted, and a friend then orders with her code
    redact = compliance("customers/redact", MARISOL, [], shop=SHOP)
    await deliver(runtime, redact, "d-redact", topic="customers/redact")
    body = order_by(
        OSKAR, 5600000000000009, codes=(enrolment.advocate.friend_code,), currency="USD"
    )
    await deliver(runtime, body, "d-oskar")

    # Then her row keeps only its code, and the code credits nobody
    row = await Advocate.get()
    assert (row.email, row.email_normalized, row.customer_id, row.name, row.status) == (
        None,
        None,
        None,
        "",
        "redacted",
    )
    assert await where_stored((MARISOL.email, MARISOL.last_name)) == {}
    assert await Referral.all().count() == 0
