"""The WooCommerce REST API v3 client (`/wp-json/wc/v3`), with WooCommerce's errors as ours.

Authentication follows what the store sees: over https, HTTP Basic with the consumer key and
secret; over plain http (where WooCommerce ignores Basic), one-legged OAuth 1.0a signed against
the store's own home URL, with a fresh nonce on every attempt.

Everything httpx or WooCommerce can do wrong becomes one of `platforms.base`'s errors in
`woo_errors`, the one boundary:

    httpx.ConnectError, ConnectTimeout, PoolTimeout  -> RequestNotSent (safe to retry anything)
    httpx.TimeoutException, httpx.TransportError     -> PlatformUnavailable
    HTTP 401 / 403                                   -> PlatformAuthError
    HTTP 429                                         -> PlatformRateLimited(Retry-After)
    HTTP 5xx, a success whose body is not JSON       -> PlatformUnavailable
    HTTP 3xx (we never follow a redirect blindly)    -> PlatformRejected(code "REDIRECTED")
    HTTP 404                                         -> NotFound
    code `*_already_exists`, `*-email-exists`         -> AlreadyExists
    any other 4xx                                    -> PlatformRejected(message, code)

Error bodies are `{"code", "message", "data": {"status"}}`; messages carry HTML entities
(`Coupon &quot;x&quot; ...`), decoded here.
"""

from __future__ import annotations

import asyncio
import base64
import html
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
from platforms.ssrf import Resolver, check_url, system_resolver
from platforms.woocommerce import oauth1

log = logging.getLogger(__name__)

API_PREFIX = "/wp-json/wc/v3"
PER_PAGE = 100
# Used when WooCommerce (or a proxy in front of it) answers 429 without a Retry-After.
_DEFAULT_THROTTLE_WAIT = 1.0


class NotFound(PlatformRejected):
    """The object does not exist in the store (HTTP 404)."""


class WooAnswerError(Exception):
    """A WooCommerce answer that is not a success; translated at the boundary, never escapes."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@dataclass(frozen=True)
class Answer:
    """A successful answer: status, parsed JSON body and headers."""

    status: int
    body: Any
    headers: httpx.Headers

    @property
    def total(self) -> int | None:
        """X-WP-Total: how many items the whole collection holds."""
        return _int_header(self.headers, "x-wp-total")

    @property
    def total_pages(self) -> int | None:
        """X-WP-TotalPages: how many pages the collection has at this page size."""
        return _int_header(self.headers, "x-wp-totalpages")


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None


def _failure(shop: str, response: httpx.Response) -> Exception:
    status = response.status_code
    body = lenient_json(response)
    body = body if isinstance(body, Mapping) else {}
    code = str(body["code"]) if body.get("code") else None
    message = html.unescape(str(body.get("message") or response.reason_phrase or f"HTTP {status}"))
    if status in (401, 403):
        return PlatformAuthError(f"{shop} refused the API key (HTTP {status}, {code}): {message}")
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return PlatformRateLimited(_DEFAULT_THROTTLE_WAIT if wait is None else wait, "throttled")
    if status >= 500:
        return PlatformUnavailable(f"{shop} answered HTTP {status}")
    if 300 <= status < 400:
        where = response.headers.get("location", "?")
        return PlatformRejected(f"{shop} redirected the API call to {where}", code="REDIRECTED")
    if status == 404:
        return NotFound(message, code=code or "HTTP_404")
    if code and (code.endswith("_already_exists") or code.endswith("-email-exists")):
        return AlreadyExists(message, code=code)
    return PlatformRejected(message, code=code or f"HTTP_{status}")


@contextmanager
def woo_errors(shop: str) -> Iterator[None]:
    """Translate WooCommerce's error answers and httpx's exceptions into `platforms.base` errors."""
    try:
        with transport_errors(shop):
            yield
    except WooAnswerError as exc:
        raise _failure(shop, exc.response) from exc


def home_url(creds: StoreCredentials) -> str:
    """The store's home URL as the store itself reports it (no trailing slash)."""
    try:
        return creds.extra["home_url"].rstrip("/")
    except KeyError as exc:
        raise PlatformRejected(
            f"{creds.shop} has no home URL on record", code="NO_HOME_URL"
        ) from exc


class WooREST:
    """Calls one store's REST API over the process's shared httpx client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        allow_private: bool = False,
        resolve: Resolver = system_resolver,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = oauth1.new_nonce,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.http = http
        self.allow_private = allow_private
        self.resolve = resolve
        self.sleep = sleep
        self.clock = clock
        self.nonce = nonce
        self.policy = policy or RetryPolicy()

    async def request(
        self,
        creds: StoreCredentials,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
    ) -> Answer:
        """Call `{home}/wp-json/wc/v3{path}`, retrying throttles and transient failures.

        With `idempotent=False` a failure after the request may have reached the store is
        raised at once: a second POST /webhooks would create a second webhook.
        """
        url = home_url(creds) + API_PREFIX + path
        return await with_retries(
            lambda: self._attempt(creds, method.upper(), url, dict(params or {}), json_body),
            policy=self.policy,
            sleep=self.sleep,
            idempotent=idempotent,
            label=f"woocommerce {method.upper()} {path.split('?')[0]} on {creds.shop}",
            log=log,
        )

    async def paginate(
        self, creds: StoreCredentials, path: str, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Every item of a collection, page by page (X-WP-TotalPages says when to stop)."""
        page = 1
        while True:
            query = {**(params or {}), "per_page": str(PER_PAGE), "page": str(page)}
            answer = await self.request(creds, "GET", path, params=query)
            items = answer.body if isinstance(answer.body, list) else []
            for item in items:
                if isinstance(item, Mapping):
                    yield item
            pages = answer.total_pages
            last = page >= pages if pages is not None else len(items) < PER_PAGE
            if last or not items:
                return
            page += 1

    def _auth(
        self, creds: StoreCredentials, method: str, url: str, params: dict[str, str]
    ) -> tuple[list[tuple[str, str]], dict[str, str]]:
        """Query pairs and headers that authenticate this one attempt."""
        secret = creds.extra.get("consumer_secret", "")
        if urlsplit(url).scheme == "https":
            token = base64.b64encode(f"{creds.access_token}:{secret}".encode()).decode()
            return list(params.items()), {"Authorization": f"Basic {token}"}
        pairs = oauth1.signed_params(
            method,
            url,
            params,
            consumer_key=creds.access_token,
            consumer_secret=secret,
            nonce=self.nonce(),
            timestamp=int(self.clock()),
        )
        return pairs, {}

    async def _attempt(
        self,
        creds: StoreCredentials,
        method: str,
        url: str,
        params: dict[str, str],
        json_body: Any,
    ) -> Answer:
        await check_url(url, allow_private=self.allow_private, resolve=self.resolve)
        pairs, headers = self._auth(creds, method, url, params)
        headers["Accept"] = "application/json"
        # The query is encoded here, exactly as it was signed (RFC 3986, `+` as %2B).
        target = f"{url}?{oauth1.encode_pairs(pairs)}" if pairs else url
        with woo_errors(creds.shop):
            response = await self.http.request(
                method, target, headers=headers, json=json_body, follow_redirects=False
            )
            if not response.is_success:
                raise WooAnswerError(response)
            body = response.json() if response.content else None
        return Answer(response.status_code, body, response.headers)
