"""Analytics: what the program earns the merchant, kept as rollups and read as KPIs.

`figures` computes what one customer or one referral contributes to the rollups (pure);
`rollups` writes rollup rows (insert-only; the counted widget and link events) and folds them
(`compact`); `sources` restates a customer's or a referral's contribution when it changes, in
the caller's transaction (at the end of a worker's batch, for all it touched at once);
`recompute` builds the same figures from the stored rows from scratch (to check them, or to fill
them for data older than the rollups); `kpis` reads a period's figures, the previous period's
and the time series the dashboard shows; `exports` streams them, and the rows behind them, as
CSV. Referrals, rewards and the storefront write rollups inside their own transactions, so the
package sits below them.
"""
