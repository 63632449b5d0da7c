"""The pure core: referral rules that take values and return decisions, with no I/O and no clock.

Services build `OrderFacts` and a `History`, call `decide` (or `on_order_change`,
`on_hold_expired`), store the `Decision`, and show `explain(decision)` to the merchant.
`messages` is the catalogue of notifications (who gets each kind, its placeholders and texts).
"""

from connector.domain.money import Money, pro_rata
from connector.domain.program import Program, ProgramError, parse_program, program_to_dict
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.referral import (
    Event,
    EventKind,
    ReferralState,
    Refusal,
    Transition,
    transition,
)
from connector.domain.rewards.amounts import RewardPlan, Side
from connector.domain.rules.attribution import Attribution, Evidence, Signal, attribute
from connector.domain.rules.decide import decide, decide_signup
from connector.domain.rules.decision import AdjustmentAction, Decision, Outcome, RewardAdjustment
from connector.domain.rules.explain import explain
from connector.domain.rules.facts import (
    AdvocateIdentity,
    Claim,
    CodeOwner,
    History,
    OrderFacts,
    OrderLine,
    PriorReferral,
    ReferralCounts,
    ReferralLookup,
    RefundFact,
)
from connector.domain.rules.lifecycle import (
    ExistingReferral,
    IssuedReward,
    on_hold_expired,
    on_order_change,
)

__all__ = [
    "AdjustmentAction",
    "AdvocateIdentity",
    "Attribution",
    "Claim",
    "CodeOwner",
    "Decision",
    "Event",
    "EventKind",
    "Evidence",
    "ExistingReferral",
    "Finding",
    "History",
    "IssuedReward",
    "Money",
    "OrderFacts",
    "OrderLine",
    "Outcome",
    "PriorReferral",
    "Program",
    "ProgramError",
    "Reason",
    "ReferralCounts",
    "ReferralLookup",
    "ReferralState",
    "RefundFact",
    "Refusal",
    "RewardAdjustment",
    "RewardPlan",
    "Side",
    "Signal",
    "Transition",
    "Verdict",
    "attribute",
    "decide",
    "decide_signup",
    "explain",
    "on_hold_expired",
    "on_order_change",
    "parse_program",
    "pro_rata",
    "program_to_dict",
    "transition",
]
