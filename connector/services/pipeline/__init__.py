"""The journey of a delivery from the store to a handler: ingest, the worker, the operator's view.

`ingest` verifies a webhook on its raw bytes and hands it to the inbox before we answer; `worker`
claims stored deliveries under a lease, runs the handler its topic names, retries with backoff
and dead-letters, with `batches` preparing and applying a claimed batch together and `handling`
saying what a handler is (its context, its claim, its permanent failure); `deliveries` lists, shows and replays them for an operator;
`outbox` leases due rows of an outbox table (rewards, outbound webhooks, messages) and retries them with
the worker's backoff. The pipeline knows
no capability: it defines the `Handler` protocol, and the composition root
(`connector.services.handlers`) registers each capability's handlers and periodic jobs with it.
It may call `services.base` and storage only.
"""
