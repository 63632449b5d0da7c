"""Checks across a program's fields, each problem as `(path, message)` the merchant can act on."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import ROUND_DOWN

from connector.domain.money import is_currency, minor_units, quantum
from connector.domain.program.kinds import (
    CODE_KINDS,
    DISCOUNT_KINDS,
    REDEEMABLE_KINDS,
    Basis,
    RewardedSides,
    RewardKind,
)
from connector.domain.program.model import Program, RewardRule

FieldError = tuple[str, str]
HUNDRED = 100
MAX_TAG = 40  # a tier's store tag: Shopify keeps 255 characters; a short word is what merchants use
CHOICE_ID_MAX = 32  # the stored choice's column width
ID_MAX = 64
NAME_MAX = 120


def _check_product(path: str, reward: RewardRule) -> Iterator[FieldError]:
    """A free product names the store's product; no other kind names one."""
    named = {
        "product_id": reward.product_id,
        "variant_id": reward.variant_id,
        "product_name": reward.product_name,
    }
    if reward.kind is not RewardKind.FREE_PRODUCT:
        for name, value in named.items():
            if value is not None:
                yield f"{path}.{name}", "only applies to a free product"
        return
    if not (reward.product_id or "").strip():
        yield (
            f"{path}.product_id",
            "is required for a free product: the id of the product in the store",
        )
    for name in ("product_id", "variant_id"):
        value = named[name]
        if value is not None and (len(value) > ID_MAX or value != value.strip() or " " in value):
            yield f"{path}.{name}", f"must be a store id without spaces, at most {ID_MAX} characters"
    name_text = reward.product_name
    if name_text is not None and (not name_text.strip() or len(name_text) > NAME_MAX):
        yield f"{path}.product_name", f"must be a name of 1 to {NAME_MAX} characters"


def check_reward(path: str, reward: RewardRule) -> Iterator[FieldError]:
    """Problems with one reward rule's value for its kind and basis."""
    value = reward.value
    yield from _check_product(path, reward)
    if reward.kind is RewardKind.FREE_SHIPPING:
        if value != 0:
            yield f"{path}.value", f"must be 0 or absent for free shipping, got '{value}'"
        return
    if value <= 0:
        yield f"{path}.value", f"must be a positive decimal, got '{value}'"
    percent = (
        reward.kind is RewardKind.PERCENTAGE_DISCOUNT or reward.basis is Basis.PERCENT_OF_ORDER
    )
    if percent and value > HUNDRED:
        yield f"{path}.value", f"must be a percentage of at most 100, got '{value}'"
    if (
        reward.kind is RewardKind.POINTS
        and reward.basis is Basis.FLAT
        and value != value.to_integral()
    ):
        yield f"{path}.value", f"must be a whole number of points, got '{value}'"
    if reward.kind in CODE_KINDS and reward.basis is not Basis.FLAT:
        yield f"{path}.basis", "must be 'flat' for a discount code"
    if reward.maximum is not None and reward.basis is Basis.FLAT:
        yield f"{path}.maximum", "only applies to a value-based reward"
    yield from _check_amounts(path, reward)


# Where a reward's amount per currency is used: store credit a referral earns, issued in the
# currency its recipient shops in. Discount codes are made in the shop's currency on Shopify
# (converted at checkout) and WooCommerce (coupons are in the store currency); the contest's
# prizes and the points catalogue are valued in the shop's currency.
_PER_CURRENCY = ("advocate_reward", "friend_reward", "tiers", "milestones", "campaigns", "partners")


def _check_amounts(path: str, reward: RewardRule) -> Iterator[FieldError]:
    if reward.amounts and (reward.kind is not RewardKind.STORE_CREDIT
                           or reward.basis is not Basis.FLAT):  # fmt: skip
        yield (
            f"{path}.amounts",
            "only applies to flat store credit (discount codes are made in the shop's currency)",
        )
    elif reward.amounts and not path.startswith(_PER_CURRENCY):
        yield f"{path}.amounts", "only applies to store credit that a referral earns"
    for currency, amount in reward.amounts.items():
        where = f"{path}.amounts.{currency}"
        if not is_currency(currency):
            yield where, f"must be keyed by a three-letter ISO currency code such as EUR, got {currency!r}"
        elif amount <= 0:
            yield where, f"must be a positive amount, got '{amount}'"
        elif amount != amount.quantize(quantum(currency), rounding=ROUND_DOWN):
            places = minor_units(currency)
            yield where, f"must have at most {places} decimal places in {currency}, got '{amount}'"


def _rewards(program: Program) -> Iterator[tuple[str, RewardRule]]:
    singles = {
        "friend_offer": program.friend_offer,
        "advocate_reward": program.advocate_reward,
        "friend_reward": program.friend_reward,
    }
    yield from ((path, r) for path, r in singles.items() if r is not None)
    for i, t in enumerate(program.tiers):
        yield f"tiers[{i}].reward", t.reward
        if t.friend_offer is not None:
            yield f"tiers[{i}].friend_offer", t.friend_offer
        if t.friend_reward is not None:
            yield f"tiers[{i}].friend_reward", t.friend_reward
    if program.reward_menu is not None:
        for i, pick in enumerate(program.reward_menu.choices):
            yield f"reward_menu.choices[{i}].reward", pick.reward
    for i, m in enumerate(program.milestones):
        if m.advocate_reward is not None:
            yield f"milestones[{i}].advocate_reward", m.advocate_reward
        if m.friend_reward is not None:
            yield f"milestones[{i}].friend_reward", m.friend_reward
    for i, c in enumerate(program.campaigns):
        if c.extra_reward is not None:
            yield f"campaigns[{i}].extra_reward", c.extra_reward
    if program.contest is not None:
        yield from ((f"contest.prizes[{i}]", p) for i, p in enumerate(program.contest.prizes))
    yield from ((f"partners[{i}].reward", p.reward) for i, p in enumerate(program.partners))
    if program.loyalty is not None:
        for i, item in enumerate(program.loyalty.catalogue):
            yield f"loyalty.catalogue[{i}].reward", item.reward
        if program.loyalty.stamp_card is not None:
            yield "loyalty.stamp_card.reward", program.loyalty.stamp_card.reward


def _unique(path: str, values: Iterable[object], what: str) -> Iterator[FieldError]:
    seen: set[object] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield f"{path}[{i}]", f"duplicate {what} {value!r}"
        seen.add(value)


def _ascending(path: str, name: str, values: Sequence[int | None]) -> Iterator[FieldError]:
    for i, (low, high) in enumerate(itertools.pairwise(values), start=1):
        if low is None or high is None or high <= low:
            yield f"{path}[{i}].{name}", "must be larger than the tier before it"


def _window(path: str, starts_at: datetime, ends_at: datetime) -> Iterator[FieldError]:
    if ends_at <= starts_at:
        yield f"{path}.ends_at", f"must be after starts_at ({starts_at.isoformat()})"


def _check_sides(program: Program) -> Iterator[FieldError]:
    if program.rewards_side(RewardedSides.ADVOCATE):
        has = program.advocate_reward or program.tiers or program.contest or program.partners
        if not has and not any(m.advocate_reward for m in program.milestones):
            yield (
                "advocate_reward",
                (
                    "is required when advocates are rewarded "
                    "(set advocate_reward, tiers, milestones, a contest or partners)"
                ),
            )
    if program.rewards_side(RewardedSides.FRIEND):
        has_friend = program.friend_offer or program.friend_reward
        if not has_friend and not any(m.friend_reward for m in program.milestones):
            yield "friend_reward", "is required when friends are rewarded (or set friend_offer)"
    offers = [("friend_offer", program.friend_offer)]
    offers += [(f"tiers[{i}].friend_offer", t.friend_offer) for i, t in enumerate(program.tiers)]
    for path, offer in offers:
        if offer is not None and offer.kind not in DISCOUNT_KINDS:
            yield f"{path}.kind", "must be a discount (percentage, fixed amount or free shipping)"
    raised = [(i, t.friend_offer) for i, t in enumerate(program.tiers) if t.friend_offer]
    if raised and program.friend_offer is None:
        yield "friend_offer", "is required when a tier raises the friend's offer (the first offer)"
    # A raised offer updates the advocate's code in the store, whose discount class is fixed.
    raising = [(f"tiers[{i}].friend_offer", o) for i, o in raised]
    for path, offer in [("friend_offer", program.friend_offer), *raising] if raised else []:
        if offer is not None and offer.kind is RewardKind.FREE_SHIPPING:
            yield f"{path}.kind", "must be a percentage or fixed amount when tiers raise the offer"


def _check_menu(program: Program) -> Iterator[FieldError]:
    menu = program.reward_menu
    if menu is None:
        return
    if not menu.choices:
        yield "reward_menu.choices", "must list at least one choice"
    yield from _unique("reward_menu.choices", (c.choice_id for c in menu.choices), "choice_id")
    for i, c in enumerate(menu.choices):
        if not c.choice_id.strip() or len(c.choice_id) > CHOICE_ID_MAX:
            yield f"reward_menu.choices[{i}].choice_id", f"must be 1 to {CHOICE_ID_MAX} characters"
        for lang in ("es", "en"):
            if not getattr(c, f"label_{lang}").strip():
                yield f"reward_menu.choices[{i}].label_{lang}", "must not be empty"
    ids = [c.choice_id for c in menu.choices]
    if menu.choices and menu.default_choice_id not in ids:
        yield (
            "reward_menu.default_choice_id",
            f"must be one of the choices ({', '.join(ids)}), got {menu.default_choice_id!r}",
        )
    if not program.rewards_side(RewardedSides.ADVOCATE):
        yield "reward_menu", "needs advocates to be rewarded (rewarded: advocate or both)"


def _check_structure(program: Program) -> Iterator[FieldError]:
    if program.tiers:
        if program.tiers[-1].up_to is not None:
            yield (
                f"tiers[{len(program.tiers) - 1}].up_to",
                "the last tier must be open-ended (null)",
            )
        bounds = [t.up_to for t in program.tiers[:-1]]
        yield from _ascending("tiers", "up_to", bounds)
        if bounds and (bounds[0] is None or bounds[0] < 1):
            yield "tiers[0].up_to", "must be a positive integer"
    if program.tiers and program.milestones:
        yield "tiers", "cannot be combined with milestones"
    yield from _unique("milestones", (m.stage for m in program.milestones), "stage")
    yield from _unique("milestones", (m.purchase_number for m in program.milestones), "purchase")
    for i, m in enumerate(program.milestones):
        if m.purchase_number < 0:
            yield f"milestones[{i}].purchase_number", "must be 0 (sign-up) or more"
    if program.new_customers_only and any(m.purchase_number > 1 for m in program.milestones):
        yield "new_customers_only", "must be false when a milestone rewards a repeat purchase"
    for i, c in enumerate(program.campaigns):
        yield from _window(f"campaigns[{i}]", c.starts_at, c.ends_at)
    yield from _unique("campaigns", (c.campaign_id for c in program.campaigns), "campaign_id")
    if program.contest is not None:
        yield from _window("contest", program.contest.starts_at, program.contest.ends_at)
        for i, prize in enumerate(program.contest.prizes):
            if prize.basis is not Basis.FLAT:
                yield f"contest.prizes[{i}].basis", "must be 'flat': a prize has no order"
        if len(program.contest.prizes) > program.contest.top_n:
            yield "contest.prizes", f"has more prizes than top_n ({program.contest.top_n})"
    yield from _unique("partners", (p.account_id for p in program.partners), "account_id")


def _check_budget(program: Program) -> Iterator[FieldError]:
    if program.budget is not None and program.budget.warn_percent >= 100:
        yield "budget.warn_percent", "must be below 100 (the warning comes before the limit)"


TERMS_MAX = 20_000  # characters per locale: a page of terms, not a book
_LANGUAGES = {"es": "Spanish", "en": "English"}


def _check_terms(program: Program) -> Iterator[FieldError]:
    terms = program.terms
    for locale, language in _LANGUAGES.items():
        text = terms.text(locale)
        if len(text) > TERMS_MAX:
            yield f"terms.{locale}", f"must be at most {TERMS_MAX} characters, got {len(text)}"
        elif terms.published and not text.strip():
            yield f"terms.{locale}", (
                f"write the terms in {language} too: shoppers read them in their own language"
            )


def _check_charity_and_loyalty(program: Program) -> Iterator[FieldError]:
    gives = any(r.kind is RewardKind.CHARITY_DONATION for _, r in _rewards(program))
    if gives and program.charity is None:
        yield "charity", "is required when a reward is a charity donation"
    if program.charity is not None:
        ids = [c.cause_id for c in program.charity.causes]
        if not ids:
            yield "charity.causes", "must list at least one cause"
        yield from _unique("charity.causes", ids, "cause_id")
        default = program.charity.default_cause_id
        if default is not None and default not in ids:
            yield "charity.default_cause_id", f"must be one of the causes, got {default!r}"
    if program.loyalty is not None:
        thresholds = [t.threshold for t in program.loyalty.vip_tiers]
        yield from _ascending("loyalty.vip_tiers", "threshold", thresholds)
        items = program.loyalty.catalogue
        yield from _unique("loyalty.catalogue", (i.item_id for i in items), "item_id")
        for i, item in enumerate(items):
            if item.reward.kind not in REDEEMABLE_KINDS:
                kinds = ", ".join(sorted(k.value for k in REDEEMABLE_KINDS))
                yield f"loyalty.catalogue[{i}].reward.kind", f"must be one of {kinds}"
            if not item.item_id.strip() or not item.name.strip():
                yield f"loyalty.catalogue[{i}]", "needs an item_id and a name"
        yield from _unique("loyalty.vip_tiers", (t.name for t in program.loyalty.vip_tiers), "name")
        for i, tier in enumerate(program.loyalty.vip_tiers):
            if tier.discount_percent is not None and tier.discount_percent > HUNDRED:
                yield f"loyalty.vip_tiers[{i}].discount_percent", "must be at most 100"
            if tier.tag is not None:
                yield from (
                    (f"loyalty.vip_tiers[{i}].tag", problem) for problem in _tag_problems(tier.tag)
                )
        card = program.loyalty.stamp_card
        if card is not None and card.reward.kind not in REDEEMABLE_KINDS | {RewardKind.POINTS}:
            yield (
                "loyalty.stamp_card.reward.kind",
                "must be a discount, a free product, store credit, a gift card or points",
            )


def _tag_problems(tag: str) -> Iterator[str]:
    """What is wrong with a store tag: one word or phrase a store keeps as it is."""
    if not tag.strip() or tag != tag.strip():
        yield "must be a tag without spaces around it (leave it out for none)"
    if len(tag) > MAX_TAG:
        yield f"must be at most {MAX_TAG} characters"
    if "," in tag or any(not ch.isprintable() for ch in tag):
        yield "must be one tag: no commas (a store reads them as a list) or control characters"


def check_program(program: Program) -> list[FieldError]:
    """Every cross-field problem in `program`; empty when it is consistent."""
    errors: list[FieldError] = []
    if not is_currency(program.currency):
        errors.append(("currency", f"must be a three-letter ISO code, got {program.currency!r}"))
    for path, reward in _rewards(program):
        errors.extend(check_reward(path, reward))
    errors.extend(_check_sides(program))
    errors.extend(_check_structure(program))
    errors.extend(_check_charity_and_loyalty(program))
    errors.extend(_check_budget(program))
    errors.extend(_check_menu(program))
    errors.extend(_check_terms(program))
    return errors
