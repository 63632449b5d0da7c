from datetime import UTC, datetime, timedelta

from connector.domain.money import Money
from connector.domain.program.presets import CONTEST
from connector.domain.reasons import Reason
from connector.domain.rewards.contest import QualifiedReferral, Standing, award_prizes, leaderboard
from tests.domain.factories import SHOP

JUNE = CONTEST.contest
assert JUNE is not None
DAY = timedelta(days=1)
START = datetime(2026, 6, 1, tzinfo=UTC)


def referrals(advocate, *days):
    return [QualifiedReferral(advocate, f"{advocate}-{d}", START + d * DAY) for d in days]


ENTRIES = [
    *referrals("adv_c", 1, 2, 3),
    *referrals("adv_a", 2, 5),
    *referrals("adv_b", 1, 4),
    *referrals("adv_d", 9),
    *referrals("adv_e", -3, -2, -1, 40),  # outside the window
]


def test_leaderboard_ranks_by_count_then_earlier_reach_then_id():
    board = leaderboard(JUNE, ENTRIES, START + 30 * DAY)
    assert board == (
        Standing(1, "adv_c", 3, START + 3 * DAY),
        Standing(2, "adv_b", 2, START + 4 * DAY),
        Standing(3, "adv_a", 2, START + 5 * DAY),
    )


def test_equal_count_and_time_fall_back_to_the_advocate_id():
    tied = [*referrals("adv_z", 2), *referrals("adv_y", 2)]
    assert [s.advocate_id for s in leaderboard(JUNE, tied, START + 30 * DAY)] == ["adv_y", "adv_z"]


def test_live_leaderboard_counts_only_up_to_now_and_does_not_depend_on_input_order():
    midway = START + 2 * DAY
    board = leaderboard(JUNE, list(reversed(ENTRIES)), midway)
    assert [(s.advocate_id, s.count) for s in board] == [("adv_c", 2), ("adv_b", 1), ("adv_a", 1)]


def test_no_prizes_before_the_end():
    finding = award_prizes(JUNE, ENTRIES, JUNE.ends_at - timedelta(seconds=1), SHOP, "USD")
    assert finding.reason is Reason.CONTEST_NOT_ENDED  # type: ignore[union-attr]


def test_prizes_go_to_the_final_ranks_with_deterministic_keys():
    awards = award_prizes(JUNE, ENTRIES, JUNE.ends_at, SHOP, "USD")
    assert isinstance(awards, tuple)
    assert [(a.rank, a.advocate_id, a.reward.money) for a in awards] == [
        (1, "adv_c", Money.of("500.00", "USD")),
        (2, "adv_b", Money.of("250.00", "USD")),
        (3, "adv_a", Money.of("100.00", "USD")),
    ]
    again = award_prizes(JUNE, list(reversed(ENTRIES)), JUNE.ends_at + DAY, SHOP, "USD")
    assert isinstance(again, tuple)
    assert [a.reward.idempotency_key for a in again] == [a.reward.idempotency_key for a in awards]
    assert awards[0].reward.note == "Rank 1 in June Challenge with 3 referrals."
