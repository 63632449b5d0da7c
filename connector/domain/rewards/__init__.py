"""What a referral can earn: reward amounts, the friend's offer, loyalty points and contests.

`amounts` turns a rule, an order's qualifying value and a multiplier into a `RewardPlan`;
`offer` is the discount behind an advocate's friend code; `loyalty` is the points ledger's pure
rules (lots spent oldest first, expiry, redemption); `vip` is VIP tiers with their grace
period and stamp cards; `contest` ranks a leaderboard and names the
prizes. These read `connector.domain.program` and never the rules that judge an order.
"""
