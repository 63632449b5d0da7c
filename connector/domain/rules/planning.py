"""Which rewards one credited order earns: the program type picks the rules, campaigns layer on.

Base rules come from, in this order: a partnership (the advocate is a partner's account), the
milestone the friend's purchase reaches, the tier of the advocate's referral count, or the plain
advocate and friend rewards. Active seasonal campaigns multiply the base rewards (the largest
multiplier wins; they do not stack) and each adds its extra reward for the advocate. VIP tiers
multiply the advocate's points; a charity donation goes to the advocate's chosen cause.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from connector.domain.emails import normalize_email
from connector.domain.money import Money
from connector.domain.program import Campaign, Program, RewardedSides, RewardRule
from connector.domain.program.kinds import RewardKind
from connector.domain.reasons import Finding, Reason, blocked, passed
from connector.domain.rewards.amounts import RewardPlan, Side, is_nothing, plan
from connector.domain.rewards.loyalty import vip_tier
from connector.domain.rules.facts import History, OrderFacts

ONE = Decimal(1)


@dataclass(frozen=True)
class BaseRules:
    """The rules picked for each side before campaigns, and the stage they belong to."""

    advocate: RewardRule | None
    friend: RewardRule | None
    stage: str
    findings: tuple[Finding, ...]


def friend_id(order: OrderFacts) -> str:
    """Who the friend is: customer id, else normalized email, else the order."""
    if order.customer_id:
        return order.customer_id
    return normalize_email(order.email) if order.email else f"order:{order.order_id}"


def base_rules(
    program: Program, history: History, advocate_id: str, purchase: int | None = None
) -> BaseRules:
    """The reward rules this referral earns before campaigns are layered on.

    `purchase` is the friend's purchase number for milestones (0: sign-up); by default the one
    after the friend's prior orders.
    """
    partner = program.partner_for(advocate_id)
    if partner is not None:
        text = f"Partner {partner.name} ({partner.partner_id}) earns its partnership reward."
        found = passed(Reason.PARTNER, text, partner_id=partner.partner_id)
        return BaseRules(partner.reward, None, f"partner:{partner.partner_id}", (found,))
    if program.milestones:
        if purchase is None:
            purchase = (history.friend_prior_orders or 0) + 1
        stage = next((m for m in program.milestones if m.purchase_number == purchase), None)
        if stage is None:
            text = f"The friend's purchase number {purchase} reaches no milestone."
            return BaseRules(None, None, "", (blocked(Reason.NO_MILESTONE, text),))
        text = f"Purchase number {purchase} reaches milestone '{stage.stage}'."
        found = passed(Reason.NO_MILESTONE, text, stage=stage.stage)
        rules = BaseRules(stage.advocate_reward, stage.friend_reward, stage.stage, (found,))
        return rules
    if program.tiers:
        number = history.live(advocate_id) + 1
        index = next(i for i, t in enumerate(program.tiers) if t.up_to is None or number <= t.up_to)
        text = f"This is referral number {number} of advocate {advocate_id}: tier {index + 1}."
        found = passed(Reason.TIER, text, tier=str(index + 1), number=str(number))
        tier = program.tiers[index]
        return BaseRules(tier.reward, tier.friend_reward or program.friend_reward, "base", (found,))
    return BaseRules(program.advocate_reward, program.friend_reward, "base", ())


def active_campaigns(program: Program, order: OrderFacts) -> tuple[Campaign, ...]:
    """The campaigns running when the order was placed."""
    return tuple(c for c in program.campaigns if c.active_at(order.created_at))


def _cause(program: Program, history: History, advocate_id: str) -> tuple[str | None, Finding]:
    charity = program.charity
    if charity is None or not charity.causes:
        return None, blocked(Reason.CHARITY_CAUSE, "The program lists no charity cause.")
    picked = history.identity(advocate_id).cause_id
    names = {c.cause_id: c.name for c in charity.causes}
    cause = picked if picked in names else charity.default_cause_id or charity.causes[0].cause_id
    how = "picked by the advocate" if cause == picked else "the program's default"
    text = f"The donation goes to {names[cause]} ({how})."
    return cause, passed(Reason.CHARITY_CAUSE, text, cause_id=cause)


def plan_rewards(
    order: OrderFacts,
    program: Program,
    history: History,
    advocate_id: str,
    value: Money,
    purchase: int | None = None,
) -> tuple[tuple[RewardPlan, ...], tuple[Finding, ...]]:
    """The rewards a credited order earns for each side, with findings explaining the choice."""
    base = base_rules(program, history, advocate_id, purchase)
    findings = list(base.findings)
    campaigns = active_campaigns(program, order)
    multiplier = max((c.multiplier for c in campaigns), default=ONE)
    for c in campaigns:
        extra = f" and adds {c.extra_reward.kind}" if c.extra_reward is not None else ""
        text = f"Campaign {c.name} is running: rewards x{c.multiplier}{extra}."
        findings.append(passed(Reason.CAMPAIGN, text, campaign_id=c.campaign_id))
    planned: list[RewardPlan] = []

    def add(side: Side, who: str, rule: RewardRule, stage: str, factor: Decimal) -> RewardPlan:
        cause = None
        if rule.kind is RewardKind.CHARITY_DONATION:
            cause, found = _cause(program, history, advocate_id)
            findings.append(found)
        reward = plan(
            shop=order.shop, order_id=order.order_id, side=side, beneficiary=who, rule=rule,
            value=value, stage=stage, multiplier=factor, cause_id=cause,
        )  # fmt: skip
        planned.append(reward)
        return reward

    if program.rewards_side(RewardedSides.ADVOCATE) or program.partner_for(advocate_id):
        menu = None if program.partner_for(advocate_id) else program.reward_menu
        default = menu.choice(menu.default_choice_id) if menu is not None else None
        if menu is not None and default is not None and base.advocate is not None:
            # Any choice keeps the campaign's multiplier; a VIP points factor is for points rules.
            added = add(Side.ADVOCATE, advocate_id, default.reward, base.stage, multiplier)
            planned[-1] = replace(
                added, choice_id=default.choice_id, menu_days=menu.default_after_days
            )
            text = (
                f"The advocate picks the reward from the menu; after {menu.default_after_days}"
                f" days without a pick, '{default.choice_id}' is issued."
            )
            findings.append(passed(Reason.REWARD_MENU, text, default=default.choice_id))
        elif base.advocate is not None:
            factor = multiplier * _vip_factor(program, history, advocate_id, base.advocate, findings)
            add(Side.ADVOCATE, advocate_id, base.advocate, base.stage, factor)
        for c in campaigns:
            if c.extra_reward is not None:
                add(Side.ADVOCATE, advocate_id, c.extra_reward, f"campaign:{c.campaign_id}", ONE)
    if program.rewards_side(RewardedSides.FRIEND) and base.friend is not None:
        add(Side.FRIEND, friend_id(order), base.friend, base.stage, multiplier)
    return tuple(p for p in planned if not is_nothing(p)), tuple(findings)


def _vip_factor(
    program: Program,
    history: History,
    advocate_id: str,
    rule: RewardRule | None,
    findings: list[Finding],
) -> Decimal:
    """The advocate's VIP multiplier for a points reward (1 otherwise), noted in `findings`."""
    if rule is None or rule.kind is not RewardKind.POINTS or program.loyalty is None:
        return ONE
    tier = vip_tier(program.loyalty, history.advocate_lifetime_points.get(advocate_id, 0))
    if tier is None or tier.multiplier == 1:
        return ONE
    text = f"VIP tier {tier.name} multiplies the advocate's points by {tier.multiplier}."
    findings.append(passed(Reason.VIP_TIER, text, vip_tier=tier.name))
    return tier.multiplier
