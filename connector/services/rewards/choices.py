"""The advocate's reward menu: a menu reward waits for its advocate's pick, or for the default.

Approval (referrals.crediting) writes a menu reward as `awaiting_choice` with `choice_due_at`;
the outbox does not see it. Two ways decide it, both through `_pick`: the signed-in advocate's
`pick` call in the widget (`choose_reward`), and the periodic job `issue_default_choices`, which
gives the menu's default once `default_after_days` have passed. `_pick` does it in one
transaction: a RewardChoice row (unique per referral and side, and per shop and request key, so
a second or concurrent pick fails on the database's constraint), the reward turned into the
chosen one and made `pending` for the outbox (which issues it exactly once, as any reward), the
referral's plans and value following it, and a `reward_chosen` event on the referral.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from connector.domain.program import Program, RewardMenu
from connector.domain.program.kinds import RewardKind
from connector.domain.reasons import Reason
from connector.domain.rewards.amounts import chosen
from connector.domain.rules.budget import rewards_value
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.referrals.programs import program_version
from connector.services.referrals.records import (
    Cause,
    plans_from_json,
    plans_json,
    record_event,
    reward_amounts,
)
from connector.store.models import Advocate, Referral, Reward, RewardChoice, RewardStatus, Shop

log = logging.getLogger("connector.choices")

JOB = "issue_default_choices"
CHOSEN = "reward_chosen"  # the referral event of a pick
BATCH = 100
MAX_BATCHES = 20


class ChosenBy(enum.StrEnum):
    """Who decided a menu reward: the advocate, or the default after the wait."""

    ADVOCATE = "advocate"
    DEFAULT = "default"


class ChoiceError(Exception):
    """A pick that cannot be made; `reason` is the storefront's machine word for it."""

    reason = "invalid_choice"


class NoSuchReward(ChoiceError):
    """No menu reward of this advocate has that id."""

    reason = "unknown_reward"


class UnknownChoice(ChoiceError):
    """The reward's menu has no such choice."""

    reason = "unknown_choice"


class AlreadyChosen(ChoiceError):
    """The reward was chosen already (and is being issued, or was): a conflict."""

    reason = "already_chosen"


class KeyReused(ChoiceError):
    """The request key was used for a pick of another reward."""

    reason = "key_reused"


@dataclass(frozen=True)
class Picked:
    """A decided menu reward: the row as it now is, the pick, and whether this was a replay."""

    reward: Reward
    choice: RewardChoice
    replay: bool = False


def _cause_for(program: Program, advocate: Advocate) -> str | None:
    """Where a donation picked from the menu goes: the advocate's cause, else the default."""
    charity = program.charity
    if charity is None or not charity.causes:
        return None
    ids = [c.cause_id for c in charity.causes]
    if advocate.charity_cause in ids:
        return advocate.charity_cause
    return charity.default_cause_id or ids[0]


async def _menu(shop: Shop, referral: Referral, db: BaseDBAsyncClient) -> tuple[Program, RewardMenu]:
    program = await program_version(shop.id, referral.program_version, db)
    if program.reward_menu is None:
        raise NoSuchReward(f"referral {referral.id}'s program version has no reward menu")
    return program, program.reward_menu


async def _pick(
    runtime: Runtime,
    shop: Shop,
    reward_id: int,
    choice_id: str | None,
    by: ChosenBy,
    request_key: str,
    advocate_id: int | None = None,
) -> Picked:
    """Decide one menu reward (None: the menu's default) once; see the module's docstring."""
    now = runtime.now()
    async with in_transaction() as tx:
        reward = await (
            Reward.filter(id=reward_id, shop_id=shop.id).using_db(tx).select_for_update().first()
        )
        mine = reward is not None and (advocate_id is None or fk(reward, "advocate") == advocate_id)
        if reward is None or not mine or fk(reward, "referral") is None:
            raise NoSuchReward(f"no reward {reward_id} to choose")
        prior = await RewardChoice.filter(shop_id=shop.id, request_key=request_key).using_db(tx).first()
        if prior is not None:
            if fk(prior, "reward") != reward.id:
                raise KeyReused("this request key was used to choose another reward")
            return Picked(reward, prior, replay=True)
        if reward.status != RewardStatus.AWAITING_CHOICE:
            earlier = await RewardChoice.filter(reward_id=reward.id).using_db(tx).first()
            what = f" ({earlier.choice_id}, by the {earlier.chosen_by})" if earlier else ""
            raise AlreadyChosen(
                f"reward {reward.id} is no longer waiting for a choice{what}: it is {reward.status}"
            )
        referral = await Referral.filter(id=fk(reward, "referral")).using_db(tx).select_for_update().get()
        program, menu = await _menu(shop, referral, tx)
        picked = menu.choice(choice_id or menu.default_choice_id)
        if picked is None:
            known = ", ".join(c.choice_id for c in menu.choices)
            raise UnknownChoice(f"the menu has no choice {choice_id!r} (it has {known})")
        advocate = await Advocate.get(id=fk(reward, "advocate"), using_db=tx)
        plans = list(plans_from_json(referral.reward_plans))
        index = next(i for i, p in enumerate(plans) if p.idempotency_key == reward.idempotency_key)
        cause = _cause_for(program, advocate) if picked.reward.kind is RewardKind.CHARITY_DONATION else None
        plan = chosen(plans[index], picked.choice_id, picked.reward, cause)
        try:
            async with savepoint(tx) as point:
                row = await RewardChoice.create(
                    shop_id=shop.id, referral_id=referral.id, reward_id=reward.id,
                    side=reward.side, choice_id=picked.choice_id, chosen_by=by.value,
                    request_key=request_key, created_at=now, using_db=point,
                )  # fmt: skip
        except IntegrityError:
            raise AlreadyChosen(f"reward {reward.id} was chosen by another request") from None
        expires = now + timedelta(days=plan.expires_days) if plan.expires_days else None
        values = {
            "kind": plan.kind.value, **reward_amounts(plan), "charity_cause": plan.cause_id,
            "status": RewardStatus.PENDING.value, "expires_at": expires, "choice_due_at": None,
            "next_attempt_at": now, "updated_at": now,
        }  # fmt: skip
        await Reward.filter(id=reward.id).using_db(tx).update(**values)
        plans[index] = plan
        referral.reward_plans = plans_json(plans)
        referral.reward_value = rewards_value(plans, referral.currency)
        referral.updated_at = now
        await referral.save(using_db=tx, update_fields=["reward_plans", "reward_value", "updated_at"])
        reason = Reason.REWARD_CHOSEN if by is ChosenBy.ADVOCATE else Reason.REWARD_DEFAULTED
        cause_of = Cause.person(f"advocate:{advocate.id}") if by is ChosenBy.ADVOCATE else Cause.job(JOB)
        note = f"{picked.choice_id}: {picked.label_en} ({plan.describe()})"
        await record_event(referral, referral.state, CHOSEN, reason, cause_of, now, tx, note)
        await reward.refresh_from_db(using_db=tx)
    log.info("reward %s: %s chose %s", reward.id, by.value, picked.choice_id)
    return Picked(reward, row)


async def choose_reward(
    runtime: Runtime, shop: Shop, advocate: Advocate, reward_id: int, choice_id: str, key: str
) -> Picked:
    """The advocate picks `choice_id` for their menu reward `reward_id`, once per `key`.

    Raises NoSuchReward (not theirs, or no menu reward), UnknownChoice, AlreadyChosen (decided
    before, by another request or the default) or KeyReused.
    """
    return await _pick(runtime, shop, reward_id, choice_id, ChosenBy.ADVOCATE, key, advocate.id)


async def issue_default_choices(runtime: Runtime) -> int:
    """Give the menu's default to every menu reward whose wait is over; return how many."""
    done = 0
    for _ in range(MAX_BATCHES):
        due = await (
            Reward.filter(status=RewardStatus.AWAITING_CHOICE, choice_due_at__lte=runtime.now())
            .order_by("choice_due_at", "id")
            .limit(BATCH)
        )
        given = 0
        for reward in due:
            shop = await Shop.get(id=fk(reward, "shop"))
            try:
                await _pick(runtime, shop, reward.id, None, ChosenBy.DEFAULT, f"default:{reward.id}")
            except AlreadyChosen:
                continue  # the advocate picked while we were on our way
            except ChoiceError as exc:  # a row edited by hand: the others still get theirs
                log.warning("reward %s: no default given: %s", reward.id, exc)
                continue
            given += 1
        done += given
        if len(due) < BATCH or not given:
            break
    return done
