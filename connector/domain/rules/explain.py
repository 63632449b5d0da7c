"""Plain-English lines for the dry-run simulator: what an order would earn, for whom, and why."""

from __future__ import annotations

from connector.domain.reasons import Finding
from connector.domain.rules.attribution import Evidence
from connector.domain.rules.decision import Decision, Outcome

_OUTCOMES = {
    Outcome.CREDIT_PENDING: "would be credited and held as pending",
    Outcome.FLAG_FOR_REVIEW: "would be credited but flagged for a person to review",
    Outcome.REJECT: "would be rejected",
    Outcome.IGNORE: "would not be treated as a referral",
    Outcome.VOID: "voids the referral (nothing was issued yet)",
    Outcome.REVERSE: "reverses the referral and its rewards",
    Outcome.RECOMPUTE: "recomputes the referral's value-based rewards",
    Outcome.APPROVE: "approves the referral and issues its rewards",
}


def _evidence_line(item: Evidence) -> str:
    mark = "match" if item.matched else "  -  "
    return f"  [{mark}] {int(item.signal)} {item.signal.label}: {item.message}"


def _finding_line(finding: Finding) -> str:
    return f"  [{finding.verdict.upper():7}] {finding.reason}: {finding.message}"


def explain(decision: Decision) -> list[str]:
    """Human-readable lines explaining a decision: outcome, signals, rules, checks, rewards."""
    headline = f"Order {decision.order_id} ({decision.shop}) {_OUTCOMES[decision.outcome]}"
    if decision.reason is not None:
        headline += f" ({decision.reason})"
    lines = [headline + f", under program version {decision.program_version}."]
    if decision.advocate_id is not None:
        lines.append(f"Advocate: {decision.advocate_id}.")
    if decision.order_value is not None:
        lines.append(f"Qualifying order value: {decision.order_value}.")
    if decision.attribution is not None:
        lines.append("Attribution signals:")
        lines += [_evidence_line(e) for e in decision.attribution.evidence]
    lines.append("Rules and checks:")
    lines += [_finding_line(f) for f in decision.findings]
    if decision.rewards:
        lines.append("Rewards:")
        lines += [
            f"  {r.side} {r.beneficiary}: {r.describe()} [{r.stage}] key {r.idempotency_key}"
            for r in decision.rewards
        ]
    elif decision.outcome in (Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW):
        lines.append("Rewards: none for this order.")
    if decision.adjustments:
        lines.append("Reward adjustments:")
        lines += [f"  {a.action} {a.idempotency_key}: {a.note}" for a in decision.adjustments]
    if decision.hold_until is not None and decision.outcome is not Outcome.IGNORE:
        lines.append(f"Hold until: {decision.hold_until.isoformat()}.")
    if decision.contest_id is not None:
        lines.append(f"Counts toward contest {decision.contest_id}.")
    return lines
