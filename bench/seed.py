"""Set-based seeding of a PostgreSQL database with a shop's history (generate_series, no loops).

Used by `bench/scale.py` (millions of rows) and by the EXPLAIN test (tens of thousands), so both
measure and plan against the same shapes of data: advocates with their friend codes, claims and
link clicks, and per advocate `referrals` referrals one every three hours back from now (one in
ten rejected), each with its order record, created event, reward, delivery and attempt. The
advocates' counters are set as the migration backfills them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seed:
    """What to write for one shop; `related` adds the rows around each referral."""

    shop_id: int
    domain: str
    advocates: int
    referrals: int
    first: int = 1  # the first advocate number (unique codes when seeding one shop twice)
    related: bool = True


def seed_sql(seed: Seed) -> list[str]:
    """The statements that write `seed`, in order; run each in its own transaction or all in one."""
    s, lo, hi = seed.shop_id, seed.first, seed.first + seed.advocates - 1
    tag = f"{s}x{lo}"
    live = seed.referrals - seed.referrals // 10
    # Rows of this seed: its advocates are those whose customer id carries the tag.
    mine = f"a.shop_id = {s} AND a.customer_id LIKE 'seed-{tag}-%'"
    statements = [
        f"""INSERT INTO advocate (shop_id, kind, email, email_normalized, customer_id, name,
            friend_code, share_token, status, created_at, live_referrals, points_earned)
        SELECT {s}, 'customer', 'seed' || g || '@example.org', 'seed' || g || '@example.org',
            'seed-{tag}-' || g, 'Seed ' || g, 'SEED{s}X' || g, md5('{s}:' || g), 'active',
            now() - INTERVAL '2 years', {live}, 0
        FROM generate_series({lo}, {hi}) AS g""",
        f"""INSERT INTO referral (shop_id, advocate_id, qualifying_key, order_id, stage, state,
            state_reason, program_version, currency, order_subtotal, order_total, refunded,
            evidence, findings, reward_plans, placed_at, created_at, updated_at, friend_email)
        SELECT {s}, a.id, 'order:s' || a.id || '-' || k, 's' || a.id || '-' || k, 'purchase',
            CASE WHEN k % 10 = 0 THEN 'rejected' ELSE 'rewarded' END,
            CASE WHEN k % 10 = 0 THEN 'velocity' ELSE 'rewards_issued' END, 1, 'USD', 50, 50, 0,
            '[]', '[]', '[]', now() - k * INTERVAL '3 hours', now() - k * INTERVAL '3 hours',
            now() - k * INTERVAL '3 hours', 'friend' || a.id || '-' || k || '@example.org'
        FROM advocate a CROSS JOIN generate_series(1, {seed.referrals}) AS k WHERE {mine}""",
        # The shop's counts, as services.base.tally keeps them (and migration 7 backfills).
        f"""INSERT INTO shop_tally (shop_id, name, shard, n)
        SELECT {s}, 'referrals.' || r.state, r.advocate_id % 8, COUNT(*)
        FROM referral r JOIN advocate a ON a.id = r.advocate_id WHERE {mine}
        GROUP BY r.state, r.advocate_id % 8
        ON CONFLICT (shop_id, name, shard) DO UPDATE SET n = shop_tally.n + EXCLUDED.n""",
        f"""INSERT INTO shop_tally (shop_id, name, shard, n)
        SELECT {s}, 'advocates', a.id % 8, COUNT(*) FROM advocate a WHERE {mine}
        GROUP BY a.id % 8
        ON CONFLICT (shop_id, name, shard) DO UPDATE SET n = shop_tally.n + EXCLUDED.n""",
        f"""INSERT INTO discount_code (shop_id, advocate_id, code, purpose, status, platform_id,
            created_at, updated_at)
        SELECT {s}, a.id, a.friend_code, 'friend', 'active', 'gid://seed/' || a.id, a.created_at,
            a.created_at
        FROM advocate a WHERE {mine}""",
        f"""INSERT INTO offer_claim (shop_id, advocate_id, email_normalized, claimed_at)
        SELECT {s}, a.id, 'claimed' || a.id || '@example.org', a.created_at
        FROM advocate a WHERE {mine}""",
    ]
    if seed.related:
        referrals = f"""FROM referral r JOIN advocate a ON a.id = r.advocate_id WHERE {mine}"""
        statements += [
            f"""INSERT INTO order_record (shop_id, order_id, order_name, currency, subtotal,
                total, refunded, financial_status, paid, cancelled, is_test, discount_codes,
                order_created_at, order_updated_at, first_seen_at)
            SELECT {s}, r.order_id, '#' || r.id, 'USD', 50, 50, 0, 'paid', true, false, false,
                '[]', r.placed_at, r.placed_at, r.created_at {referrals}""",
            f"""INSERT INTO referral_event (referral_id, from_state, to_state, event, reason,
                cause_kind, cause_ref, note, at)
            SELECT r.id, NULL, r.state, 'created', r.state_reason, 'job', 'seed', '',
                r.created_at {referrals}""",
            f"""INSERT INTO reward (shop_id, referral_id, advocate_id, idempotency_key, side,
                kind, amount, currency, code, status, attempts, issued_at, created_at,
                updated_at)
            SELECT {s}, r.id, r.advocate_id, 'seed:' || r.id, 'advocate', 'fixed_amount_discount',
                5, 'USD', 'RWD' || r.id, 'issued', 1, r.created_at, r.created_at, r.created_at
            {referrals} AND r.state = 'rewarded'""",
            f"""INSERT INTO ledger_entry (shop_id, advocate_id, kind, points, reference,
                idempotency_key, created_at)
            SELECT {s}, a.id, 'earn', 10, '', 'seed:' || a.id || ':' || k, a.created_at
            FROM advocate a CROSS JOIN generate_series(1, 3) AS k WHERE {mine}""",
            f"""INSERT INTO link_click (shop_id, advocate_id, clicked_at)
            SELECT {s}, a.id, a.created_at + k * INTERVAL '1 day'
            FROM advocate a CROSS JOIN generate_series(1, 3) AS k WHERE {mine}""",
            f"""INSERT INTO shop_tally (shop_id, name, shard, n)
            SELECT {s}, 'clicks', a.id % 8, 3 * COUNT(*) FROM advocate a WHERE {mine}
            GROUP BY a.id % 8
            ON CONFLICT (shop_id, name, shard) DO UPDATE SET n = shop_tally.n + EXCLUDED.n""",
            f"""INSERT INTO delivery (platform, shop_domain, delivery_key, topic, headers, body,
                received_at, status, attempts, next_attempt_at, processed_at)
            SELECT 'shopify', '{seed.domain}', 'seed-' || r.id, 'orders/paid', '{{}}',
                '\\x7b7d'::bytea, r.created_at, 'done', 1, r.created_at, r.created_at
            {referrals}""",
            f"""INSERT INTO delivery_attempt (delivery_id, number, started_at, finished_at,
                outcome)
            SELECT d.id, 1, d.received_at, d.received_at, 'done' FROM delivery d
            WHERE d.shop_domain = '{seed.domain}' AND d.delivery_key LIKE 'seed-%'
              AND NOT EXISTS (SELECT 1 FROM delivery_attempt x WHERE x.delivery_id = d.id)""",
            f"""UPDATE advocate a SET points_earned = 30 WHERE {mine}""",
        ]
    return statements
