"""Contests: a live leaderboard of qualified referrals in a time window, and prizes at the end.

Ranking: more qualified referrals first; at equal counts, whoever reached that count earlier;
then the smaller advocate id. Every rank is distinct, so prizes never depend on input order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from connector.domain.money import Money
from connector.domain.program import Contest
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.rewards.amounts import RewardPlan, Side, plan


@dataclass(frozen=True)
class QualifiedReferral:
    """A referral that qualified (was approved) at `qualified_at`."""

    advocate_id: str
    order_id: str
    qualified_at: datetime


@dataclass(frozen=True)
class Standing:
    """One row of the leaderboard."""

    rank: int
    advocate_id: str
    count: int
    reached_at: datetime


@dataclass(frozen=True)
class PrizeAward:
    """A prize for a final rank."""

    rank: int
    advocate_id: str
    reward: RewardPlan


def leaderboard(
    contest: Contest, referrals: tuple[QualifiedReferral, ...] | list[QualifiedReferral],
    now: datetime,
) -> tuple[Standing, ...]:  # fmt: skip
    """The top N advocates by referrals qualified inside the window and no later than `now`."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for r in referrals:
        if contest.starts_at <= r.qualified_at < contest.ends_at and r.qualified_at <= now:
            times[r.advocate_id].append(r.qualified_at)
    rows = sorted(
        ((len(ts), max(ts), advocate) for advocate, ts in times.items()),
        key=lambda row: (-row[0], row[1], row[2]),
    )
    top = rows[: contest.top_n]
    return tuple(Standing(i, a, count, at) for i, (count, at, a) in enumerate(top, start=1))


def award_prizes(
    contest: Contest,
    referrals: tuple[QualifiedReferral, ...] | list[QualifiedReferral],
    now: datetime,
    shop: str,
    currency: str,
) -> tuple[PrizeAward, ...] | Finding:
    """The prizes by final rank once the contest has ended; before that, a finding saying so."""
    if now < contest.ends_at:
        return Finding(
            Reason.CONTEST_NOT_ENDED,
            Verdict.BLOCK,
            f"Contest {contest.name} ends at {contest.ends_at.isoformat()}; no prizes yet.",
            {"contest_id": contest.contest_id},
        )
    awards = []
    for standing, prize in zip(leaderboard(contest, referrals, now), contest.prizes, strict=False):
        reward = plan(
            shop=shop,
            order_id=f"contest:{contest.contest_id}",
            side=Side.ADVOCATE,
            beneficiary=standing.advocate_id,
            rule=prize,
            value=Money.zero(currency),
            stage=f"rank:{standing.rank}",
            note=f"Rank {standing.rank} in {contest.name} with {standing.count} referrals.",
        )
        awards.append(PrizeAward(standing.rank, standing.advocate_id, reward))
    return tuple(awards)
