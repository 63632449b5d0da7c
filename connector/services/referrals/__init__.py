"""Referrals: the program a shop runs, advocates and friends, and crediting an order exactly once.

`programs` keeps the live and saved program versions; `advocates` enrols shoppers and partners
with their codes and links; `friend_codes` creates friends' codes in the store; `orders` is the
order handler, which calls `crediting` (credit at most once, the hold, the review queue) with
`inputs` (what the rules read) and `changes` (cancels and refunds); `records` writes every state
change with its cause, and `tally` counts the shop's referrals by state with it; `views` reads referrals back explained; `notices` writes what the advocate is told of their rewards (through the message
outbox); `signups` credits a friend's
sign-up stage; `simulate` is the dry run; `reconcile` feeds orders the webhooks missed into the
inbox. It may call `services.base`, `services.pipeline`, `services.shops` and the pure domain;
it never imports `rewards`, `storefront`, `privacy` or `admin`.
"""
