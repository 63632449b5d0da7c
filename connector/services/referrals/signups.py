"""A friend's sign-up: the first stage (purchase 0) of a multi-stage milestone program.

A friend signs up by claiming an advocate's offer with their email. When the live program has a
sign-up milestone, the domain judges the sign-up (`decide_signup`: fraud checks, the stage's
rewards) and it becomes a referral like an order's, keyed `signup:{friend}`. That key is unique per
shop, so a friend earns the sign-up reward once, whichever advocates' offers they claim. The
referral waits for its hold and is then approved and issued by the same jobs as an order's.
"""

from __future__ import annotations

import hashlib
import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from connector.domain.emails import normalize_email
from connector.domain.reasons import Reason
from connector.domain.rules.attribution import Evidence, Signal
from connector.domain.rules.decide import decide_signup
from connector.domain.rules.decision import Decision, Outcome
from connector.domain.rules.facts import ReferralLookup
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.referrals.advocates import OfferClaimed, Refused, claim_offer, domain_id
from connector.services.referrals.inputs import load_history
from connector.services.referrals.programs import (
    LiveProgram,
    ProgramChanged,
    ensure_saved,
    live_program,
)
from connector.services.referrals.records import (
    CREATED,
    Cause,
    evidence_json,
    finding_json,
    plans_json,
    record_event,
)
from connector.store.models import Advocate, OfferClaim, Referral, Shop

log = logging.getLogger("connector.signups")

SIGNUP_STAGE = 0
_CREATES = frozenset({Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW, Outcome.REJECT})


def signup_key(email: str) -> str:
    """The qualifying key of a friend's sign-up: one per friend (normalized email) and shop."""
    # Hashed: a key is never redacted, and a friend's erasure must leave no address behind.
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    return f"signup:{digest}"


async def sign_up(
    runtime: Runtime, shop: Shop, code: str, friend_email: str
) -> OfferClaimed | Refused:
    """A friend claims an advocate's offer by email, which also records their sign-up."""
    claimed = await claim_offer(runtime, shop, code, friend_email)
    if isinstance(claimed, OfferClaimed):
        # Every claim tries: a sign-up lost to a crash after its claim is recorded by the next.
        await record_signup(runtime, shop, claimed.advocate_id, friend_email)
    return claimed


async def record_signup(
    runtime: Runtime, shop: Shop, advocate_id: int, friend_email: str
) -> Decision | None:
    """Judge and record the sign-up of a friend who claimed the advocate's offer, once per friend.

    None when the program rewards no sign-up or the friend's sign-up is recorded already.
    """
    email = normalize_email(friend_email)
    key = signup_key(email)
    for _ in range(2):
        live = await live_program(runtime, shop)
        if not any(m.purchase_number == SIGNUP_STAGE for m in live.program.milestones):
            return None
        if await Referral.exists(shop_id=shop.id, qualifying_key=key):
            return None
        try:
            return await _record(runtime, shop, advocate_id, email, key, live)
        except ProgramChanged:
            continue  # the merchant saved a program meanwhile: judge it under that one
    return None


async def _record(
    runtime: Runtime, shop: Shop, advocate_id: int, email: str, key: str, live: LiveProgram
) -> Decision | None:
    now = runtime.now()
    async with in_transaction() as tx:
        program = await ensure_saved(runtime, shop, live, tx)
        advocate = await Advocate.get(id=advocate_id, shop_id=shop.id, using_db=tx)
        history = await load_history(
            shop.id, ReferralLookup(), [advocate.id], None, tx, program=program, at=now
        )
        decision = decide_signup(shop.domain, email, domain_id(advocate), program, history, now)
        if decision.outcome not in _CREATES or decision.state is None:
            return decision
        stage = next((f.detail["stage"] for f in decision.findings if "stage" in f.detail), "")
        claim = await OfferClaim.get(
            shop_id=shop.id, advocate_id=advocate.id, email_normalized=email, using_db=tx
        )
        who = domain_id(advocate)
        said = f"{email} claimed advocate {who}'s offer on {claim.claimed_at.isoformat()}."
        evidence = Evidence(
            Signal.CLAIMED_EMAIL, email, who, claim.claimed_at, True, Reason.ATTRIBUTED, said
        )
        try:
            async with savepoint(tx) as point:
                referral = await Referral.create(
                    shop_id=shop.id, advocate_id=advocate.id, qualifying_key=key,
                    stage=stage[:32], friend_email=email, state=decision.state.value,
                    state_reason=decision.reason.value if decision.reason else None,
                    program_version=decision.program_version, hold_until=decision.hold_until,
                    currency=program.currency, winning_signal="claimed_email",
                    evidence=[evidence_json(evidence)],
                    findings=[finding_json(f) for f in decision.findings],
                    reward_plans=plans_json(decision.rewards), placed_at=now, created_at=now,
                    updated_at=now,
                    using_db=point,
                )  # fmt: skip
        except IntegrityError:
            return None  # a concurrent claim of the same friend recorded it first
        await record_event(
            referral, None, CREATED, decision.reason, Cause.signup(claim.id), now, tx
        )
    log.info("shop %s: sign-up -> referral %s %s", shop.domain, referral.id, referral.state)
    return decision
