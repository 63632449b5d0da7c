"""Judging an order: attribution, eligibility, fraud, the rewards it earns, and what happens later.

`facts` holds the values the rules read; `attribution` finds the advocate with evidence;
`eligibility` and `fraud` yield findings; `planning` picks the rewards by program type and
campaigns; `decide` runs them in order and returns a `Decision` (declared in `decision`); `lifecycle` judges an
existing referral's refunds, cancels and the end of its hold; `explain` writes the simulator's
plain lines. These build on `connector.domain.program` and `connector.domain.rewards`.
"""
