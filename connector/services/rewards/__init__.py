"""Rewards: putting what a referral earned into the store exactly once, and what follows.

`outbox` leases due Reward rows; `issuing` is the job that settles each under its lease, kind by
kind through `actions` (discount codes, store credit, points, cash and charity records), and
`retry` queues failed ones again once the cause is fixed;
`loyalty` keeps the points ledger (balance, expiry, redemption, VIP tier); `earning` gives
members points on their own paid orders and takes them back after refunds (the order handler's
listener, in the delivery's transaction); `vip` keeps members' VIP tiers (entry, grace, loss, the
standing codes of their perks), stamp cards and expiry reminders; `payouts` lists cash
and charity records a person pays out; `contests` keeps the leaderboard and writes prizes once.
It may call `services.base`, `services.pipeline`, `services.shops`, `services.referrals` (the
program and the referral records) and the pure domain.
"""
