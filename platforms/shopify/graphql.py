"""The Shopify Admin GraphQL client: cost throttling, retries, and vendor errors as ours.

Everything Shopify or httpx can do wrong becomes one of `platforms.base`'s errors here:

    httpx.TimeoutException, httpx.TransportError  -> PlatformUnavailable (RequestNotSent when the
                                                     request surely never reached Shopify)
    HTTP 401 / 403                                 -> PlatformAuthError
    HTTP 429, or errors[].extensions.code THROTTLED -> PlatformRateLimited(retry_after)
    HTTP 5xx, a body that is not JSON              -> PlatformUnavailable
    other 4xx, other top-level GraphQL errors      -> PlatformRejected(detail, code)
    mutation userErrors: code TAKEN                -> AlreadyExists(detail, code, field)
    mutation userErrors: anything else             -> PlatformRejected(detail, code, field)

Rate limits and transient failures are retried here a bounded number of times; what is left
reaches the caller (the worker reschedules it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from platforms.base import (
    AlreadyExists,
    PlatformAuthError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StoreCredentials,
)
from platforms.retrying import (
    RetryPolicy,
    Sleep,
    lenient_json,
    retry_after_seconds,
    transport_errors,
    with_retries,
)
from platforms.shopify.shops import InvalidShop, normalize_shop

log = logging.getLogger(__name__)

_OPERATION = re.compile(r"\b(query|mutation)\s+(\w+)")
# Used when Shopify throttles without saying for how long (no cost data, no Retry-After).
_DEFAULT_THROTTLE_WAIT = 1.0


def throttle_wait(body: Mapping[str, Any]) -> float | None:
    """Seconds until the bucket holds this query's cost: the deficit over the restore rate."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    requested = cost.get("requestedQueryCost")
    available = status.get("currentlyAvailable")
    rate = status.get("restoreRate")
    if requested is None or available is None or not rate:
        return None
    deficit = float(requested) - float(available)
    # Throttled with no deficit means the bucket moved between counting and answering: one
    # point's worth of restore time is enough.
    return deficit / float(rate) if deficit > 0 else 1.0 / float(rate)


def _error_list(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    errors = body.get("errors")
    if not errors:
        return []
    if isinstance(errors, str):
        return [{"message": errors}]
    if isinstance(errors, Mapping):
        return [{"message": json.dumps(errors)}]
    return [e if isinstance(e, Mapping) else {"message": str(e)} for e in errors]


def _code(error: Mapping[str, Any]) -> str | None:
    code = (error.get("extensions") or {}).get("code")
    return str(code) if code else None


def raise_for_response(shop: str, response: httpx.Response, body: Any) -> Mapping[str, Any]:
    """Return the GraphQL `data` of a good answer; raise our error for anything else."""
    status = response.status_code
    if status in (401, 403):
        raise PlatformAuthError(f"{shop} refused the access token (HTTP {status})")
    body = body if isinstance(body, Mapping) else {}
    errors = _error_list(body)
    if status == 429 or any(_code(e) == "THROTTLED" for e in errors):
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            wait = throttle_wait(body)
        raise PlatformRateLimited(_DEFAULT_THROTTLE_WAIT if wait is None else wait, "throttled")
    if status >= 500:
        raise PlatformUnavailable(f"{shop} answered HTTP {status}")
    if status >= 400:
        detail = "; ".join(str(e.get("message")) for e in errors) or response.reason_phrase
        raise PlatformRejected(detail, code=f"HTTP_{status}")
    if errors:
        codes = [c for c in map(_code, errors) if c]
        detail = "; ".join(str(e.get("message")) for e in errors)
        if "INTERNAL_SERVER_ERROR" in codes:
            raise PlatformUnavailable(f"{shop} reported an internal error: {detail}")
        raise PlatformRejected(detail, code=codes[0] if codes else None)
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise PlatformUnavailable(f"{shop} answered without data")
    return data


def raise_for_user_errors(errors: Sequence[Mapping[str, Any]] | None) -> None:
    """Raise for a mutation's userErrors: TAKEN is AlreadyExists, the rest PlatformRejected."""
    if not errors:
        return
    first = errors[0]
    detail = "; ".join(str(e.get("message")) for e in errors)
    code = str(first["code"]) if first.get("code") else None
    field = tuple(str(f) for f in first.get("field") or ())
    error_class = AlreadyExists if code == "TAKEN" else PlatformRejected
    raise error_class(detail, code=code, field=field)


def operation_name(document: str) -> str:
    """The name of the document's operation, for logs."""
    match = _OPERATION.search(document)
    return match.group(2) if match else "anonymous"


class AdminGraphQL:
    """Calls one shop's Admin GraphQL API over the process's shared httpx client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_version: str,
        *,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        max_wait: float = 30.0,
    ) -> None:
        self.http = http
        self.api_version = api_version
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        # A longer wait than this is handed back to the worker instead of holding a task.
        self.max_wait = max_wait

    def endpoint(self, shop: str) -> str:
        """The shop's GraphQL URL; the domain is re-validated so no other host is ever called."""
        try:
            domain = normalize_shop(shop)
        except InvalidShop as exc:
            raise PlatformRejected(str(exc), code="INVALID_SHOP") from exc
        return f"https://{domain}/admin/api/{self.api_version}/graphql.json"

    async def query(
        self,
        creds: StoreCredentials,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> Mapping[str, Any]:
        """Run a document and return its `data`, retrying throttles and transient failures.

        With `idempotent=False` a failure after the request may have reached Shopify (a 5xx, a
        read timeout) is raised at once: running it twice could, say, credit a customer twice.
        """
        url = self.endpoint(creds.shop)
        policy = RetryPolicy(self.max_attempts, self.backoff_base, self.backoff_max, self.max_wait)
        return await with_retries(
            lambda: self._attempt(creds, url, document, variables),
            policy=policy,
            sleep=self.sleep,
            idempotent=idempotent,
            label=f"shopify {operation_name(document)} on {creds.shop}",
            log=log,
        )

    async def mutate(
        self,
        creds: StoreCredentials,
        document: str,
        variables: Mapping[str, Any],
        root: str,
        *,
        idempotent: bool = True,
    ) -> Mapping[str, Any]:
        """Run a mutation and return its payload (`data[root]`); userErrors raise."""
        data = await self.query(creds, document, variables, idempotent=idempotent)
        payload = data.get(root)
        if not isinstance(payload, Mapping):
            raise PlatformRejected(f"{root} returned no payload", code="NO_PAYLOAD")
        raise_for_user_errors(payload.get("userErrors"))
        return payload

    async def _attempt(
        self,
        creds: StoreCredentials,
        url: str,
        document: str,
        variables: Mapping[str, Any] | None,
    ) -> Mapping[str, Any]:
        headers = {
            "X-Shopify-Access-Token": creds.access_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        with transport_errors(creds.shop):
            response = await self.http.post(
                url, headers=headers, json={"query": document, "variables": dict(variables or {})}
            )
            body = response.json() if response.is_success else lenient_json(response)
        return raise_for_response(creds.shop, response, body)
