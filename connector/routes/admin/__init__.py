"""The merchant's admin JSON API under /admin/api.

`api` mounts the endpoints and serves the OpenAPI document from `openapi`; `base` holds what
every endpoint shares (the session token, the shop it names, JSON answers and problems); the
endpoints live by subject in `program`, `advocates`, `referrals`, `operations`, `settings`
(the overview and the shop's settings), `analytics` (the dashboard's KPIs) and `webhooks` (the
merchant's outbound webhook endpoints and their messages). Like every
route module, these parse, authenticate, call a service and shape the answer.
"""
