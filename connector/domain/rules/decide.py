"""Judge one order: attribution, eligibility, fraud, then the rewards it would earn.

Every rule and check runs and is listed, even after one has said no, so the simulator can show
the merchant the whole picture. The first blocking finding decides a rejection; not being paid
yet (or reaching no milestone) means "ignore for now" rather than a rejection.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import Program
from connector.domain.reasons import Finding, Reason, Verdict, blocked, first_failure, passed
from connector.domain.referral import ReferralState
from connector.domain.rules.attribution import Attribution, attribute
from connector.domain.rules.budget import check_budget
from connector.domain.rules.decision import Decision, Outcome
from connector.domain.rules.eligibility import advocate_findings, check_order, order_value
from connector.domain.rules.facts import History, OrderFacts
from connector.domain.rules.fraud import check_fraud
from connector.domain.rules.planning import plan_rewards

# A "no" from these rules is not final: the order may be paid later, or reach a later milestone.
_NOT_YET = frozenset({Reason.NOT_PAID, Reason.NO_MILESTONE})


def _contest_finding(program: Program, order: OrderFacts) -> Finding | None:
    contest = program.contest
    if contest is None:
        return None
    if contest.starts_at <= order.created_at < contest.ends_at:
        text = f"Counts toward contest {contest.name} once approved."
        return passed(Reason.CONTEST_ENTRY, text, contest_id=contest.contest_id)
    text = f"Placed outside contest {contest.name}'s window; it does not count there."
    return Finding(Reason.CONTEST_ENTRY, Verdict.IGNORED, text, {"contest_id": contest.contest_id})


def _outcome(findings: tuple[Finding, ...]) -> tuple[Outcome, Reason | None]:
    block = first_failure(findings, Verdict.BLOCK)
    if block is not None:
        return (Outcome.IGNORE if block.reason in _NOT_YET else Outcome.REJECT), block.reason
    flag = first_failure(findings, Verdict.FLAG)
    if flag is not None:
        return Outcome.FLAG_FOR_REVIEW, flag.reason
    return Outcome.CREDIT_PENDING, None


_STATE = {
    Outcome.CREDIT_PENDING: ReferralState.PENDING,
    Outcome.FLAG_FOR_REVIEW: ReferralState.FLAGGED,
    Outcome.REJECT: ReferralState.REJECTED,
}


def _ignore(
    order: OrderFacts,
    program: Program,
    reason: Reason,
    findings: tuple[Finding, ...],
    attribution: Attribution | None = None,
) -> Decision:
    return Decision(
        Outcome.IGNORE, reason, order.shop, order.order_id, None, program.version,
        attribution=attribution, findings=findings,
    )  # fmt: skip


def decide(order: OrderFacts, program: Program, history: History, now: datetime) -> Decision:
    """Judge `order` under `program` with what the service knows; never reads the clock."""
    if history.already_credited:
        found = blocked(Reason.ALREADY_CREDITED, "This order already credited a referral.")
        return _ignore(order, program, Reason.ALREADY_CREDITED, (found,))
    attribution = attribute(order, history.lookup, program.attribution_window_days, now)
    advocate = attribution.advocate_id
    if advocate is None:
        return _ignore(order, program, Reason.NO_ATTRIBUTION, attribution.findings, attribution)
    findings = [*attribution.findings, *check_order(order, program, history, advocate)]
    findings += check_fraud(order, program, history, advocate)
    # An order held for its currency (no rate to the shop's) has no value we can judge: its
    # flat rewards are planned, the ones that follow the order's value come to nothing.
    judged = order.currency == program.currency
    value = order_value(order, program) if judged else Money.zero(program.currency)
    rewards, planned = plan_rewards(order, program, history, advocate, value)
    findings += planned
    budget = check_budget(program, history.budget_used, rewards, order.created_at)
    if budget is not None:
        findings.append(budget)
    contest = _contest_finding(program, order)
    if contest is not None:
        findings.append(contest)
    outcome, reason = _outcome(tuple(findings))
    live = outcome in (Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW)
    counts = live and contest is not None and contest.verdict is Verdict.PASS
    return Decision(
        outcome,
        reason,
        order.shop,
        order.order_id,
        advocate,
        program.version,
        state=_STATE.get(outcome),
        hold_until=now + timedelta(days=program.hold_days) if live else None,
        rewards=rewards if live else (),
        attribution=attribution,
        findings=tuple(findings),
        contest_id=program.contest.contest_id if counts and program.contest else None,
        order_value=value if judged else None,
    )


def decide_signup(
    shop: str, friend_email: str, advocate_id: str, program: Program, history: History,
    now: datetime,
) -> Decision:  # fmt: skip
    """Judge a friend's sign-up for a milestone program's stage 0 (no order yet)."""
    signup = OrderFacts(
        shop=shop, order_id=f"signup:{friend_email}", currency=program.currency,
        subtotal=Decimal(0), total=Decimal(0), created_at=now, email=friend_email,
    )  # fmt: skip
    zero = Money.zero(program.currency)
    findings = [*advocate_findings(history, advocate_id)]
    findings += check_fraud(signup, program, history, advocate_id)
    rewards, planned = plan_rewards(signup, program, history, advocate_id, zero, purchase=0)
    findings += planned
    outcome, reason = _outcome(tuple(findings))
    live = outcome in (Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW)
    return Decision(
        outcome, reason, shop, signup.order_id, advocate_id, program.version,
        state=_STATE.get(outcome), hold_until=now if live else None,
        rewards=rewards if live else (), findings=tuple(findings), order_value=zero,
    )  # fmt: skip
