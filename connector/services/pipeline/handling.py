"""What a handler is: the context it gets, the claim it works under, its permanent failure.

The worker (services.pipeline.worker) and its batches (services.pipeline.batches) both speak
these words; handlers elsewhere import them from the worker module, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from connector import jsonsafe
from connector.services.base.runtime import Runtime
from connector.store.models import Delivery


@dataclass
class HandlerContext:
    """What a handler gets: the runtime and the stored delivery."""

    runtime: Runtime
    delivery: Delivery

    def payload(self) -> Any:
        """The delivery body parsed as JSON; FatalDeliveryError when it cannot be (never will)."""
        try:
            return jsonsafe.loads(bytes(self.delivery.body))
        except jsonsafe.JSONRejected as exc:
            raise FatalDeliveryError(f"the body is not JSON we can read: {exc}") from exc


class Handler(Protocol):
    """Processes one topic. `prepare` may call the store; `apply` only writes to the database."""

    async def prepare(self, ctx: HandlerContext) -> Any:
        """Gather what `apply` needs (store look-ups). No database writes."""
        ...

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Write the outcome, in the transaction that marks the delivery done."""
        ...


class FatalDeliveryError(Exception):
    """The permanent failure: retrying will not help (a malformed body, a body that fails
    validation), so the delivery is dead-lettered at once with this message as its reason."""


@dataclass(frozen=True)
class Claim:
    """One claimed delivery and the lease that proves it is ours."""

    delivery_id: int
    lease_token: str
