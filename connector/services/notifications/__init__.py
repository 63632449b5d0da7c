"""Notifications: sending the outbox's messages by email and WhatsApp, exactly once per event.

Messages are written by `services.base.messages.enqueue` in the transaction of the event that
causes them (the catalogue of kinds is `connector.domain.messages`). Here: `sender` leases due
rows, checks the switch, the channel and consent, sends and records; `mail` builds the MIME
message and talks SMTP (aiosmtplib); `whatsapp` sends Cloud API template messages; `render`
turns a kind's texts into subject, text and HTML (Jinja2, sandboxed, autoescaped);
`preferences` reads the shop's choices; `consent` keeps unsubscribes and opt-ins. It may call
`services.base`, `services.pipeline`, `services.shops`, `services.referrals`,
`services.rewards` and storage; it never imports `storefront`, `privacy` or `admin`.
"""
