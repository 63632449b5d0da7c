"""Outbound webhooks: the merchant's endpoints, the events queued for them, their delivery.

`events` names the events (advocate joined, referral credited, reward issued, referral
reversed) and queues one message per subscribed endpoint in the caller's transaction, so an
event and its messages commit together; `endpoints` registers, lists, changes and removes an
endpoint (HTTPS only, checked against our own network as store URLs are; the signing secret
encrypted at rest, shown once); `delivery` signs (HMAC-SHA256 over the timestamp and the body)
and sends due messages with the pipeline's outbox leases and backoff, recording every attempt.
Referrals and rewards queue events, so the package sits below them.
"""
