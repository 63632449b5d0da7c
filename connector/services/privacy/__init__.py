"""Privacy: the compliance topics and where a shopper's personal data lives.

`compliance` handles customers/data_request, customers/redact and shop/redact; `customer_data`
is the registry of sources (one per table that holds personal data) able to list and erase one
shopper, with `message_data` for the message outbox and consent; `redaction` finds and scrubs a shopper inside stored raw webhook bodies (pure);
`retention` prunes raw bodies, link clicks and offer claims past the retention period. It may
call `services.base`, `services.pipeline` (the handler protocol) and storage only, so it can
reach every table without any capability's rules.
"""
