"""Shopify install and request authentication: the proofs Shopify sends us, and the grants that
turn them into an expiring offline token.

- Admin/OAuth query HMAC (`/auth`, `/auth/callback`): `verify_query`.
- App Bridge session (ID) tokens, on document loads (`?id_token=`) and fetches
  (`Authorization: Bearer`): `ShopifyAuth.verify_app_home`, `ShopifyAuth.verify_bearer`.
- Grants: token exchange (embedded, Shopify-managed install), authorization code (non-embedded)
  and refresh (the refresh token rotates on every use).

Errors raised here:

    PlatformError
    ├── RequestRejected           an admin request failed verification (`reason`, `status`)
    │   └── SessionRejected       a session token did; `reply` is the answer App Bridge expects
    ├── PlatformAuthError         a grant was refused: revoked refresh token, invalid_client
    ├── PlatformRateLimited       the token endpoint answered 429
    ├── PlatformUnavailable       5xx, timeout or network error: retry later
    └── PlatformRejected          any other refusal (e.g. an authorization code already used)

Tokens never appear in a message raised or logged from here.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from shopify_app import Res, ShopifyApp, TokenExchangeAccessToken, TokenExchangeResult

from platforms.base import (
    PlatformAuthError,
    PlatformError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StoreCredentials,
)
from platforms.shopify.shops import InvalidShop, normalize_shop

HMAC_TOLERANCE_SECONDS = 90
PATCH_ID_TOKEN_PATH = "/auth/patch-id-token"
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
# Grant errors that mean the shop's tokens (or our app credentials) are no good any more.
_AUTH_CODES = frozenset({"invalid_grant", "invalid_client", "refresh_token_expired"})
_UNAVAILABLE_CODES = frozenset({"network_error", "server_error"})


class Rejection(enum.StrEnum):
    """Why an admin request or a session token was refused (logs, answers and tests share it)."""

    BAD_SHOP = "bad_shop"
    MISSING_HMAC = "missing_hmac"
    BAD_HMAC = "bad_hmac"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    MISSING_SESSION = "missing_session"
    INVALID_SESSION = "invalid_session"
    SHOP_MISMATCH = "shop_mismatch"


class RequestRejected(PlatformError):
    """An admin/OAuth request failed verification; answer `status` (400 bad shop, else 401)."""

    def __init__(self, reason: Rejection, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        return 400 if self.reason is Rejection.BAD_SHOP else 401


@dataclass(frozen=True)
class Reply:
    """An HTTP answer to send as is."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""


class SessionRejected(RequestRejected):
    """A session token failed verification; send `reply` (the bounce, or 401 + retry header)."""

    def __init__(self, reason: Rejection, detail: str, reply: Reply) -> None:
        super().__init__(reason, detail)
        self.reply = reply

    @property
    def status(self) -> int:
        """The HTTP status of the reply."""
        return self.reply.status


@dataclass(frozen=True)
class Session:
    """A verified session (ID) token: the shop it speaks for, the staff user, the raw token."""

    shop: str
    user_id: str | None
    token: str = field(repr=False)
    claims: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class AppHomeCheck:
    """The outcome of verifying an App Home request.

    With a `session`, `reply` carries the headers to add to the page (CSP, preload links) and
    `stale_reply` what to send if Shopify later refuses the token (the bounce, or 401 + retry).
    Without one, `reply` is the answer to send instead of the page.
    """

    session: Session | None
    reply: Reply
    stale_reply: Reply | None
    reason: str


# ---------------------------------------------------------------------------------------------
# Admin/OAuth query HMAC
# ---------------------------------------------------------------------------------------------


def _escape(text: str, *, key: bool = False) -> str:
    # `&` and `%` (and `=` in keys) would make two different queries sign the same text.
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if key else text


def query_message(params: Mapping[str, str]) -> str:
    """The text Shopify signs: every parameter but hmac and signature, sorted, `k=v` joined by `&`."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    return "&".join(f"{_escape(k, key=True)}={_escape(v)}" for k, v in pairs)


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    """HMAC-SHA256 of `query_message(params)` with the app secret, as lower-case hex."""
    return hmac.new(secret.encode(), query_message(params).encode(), hashlib.sha256).hexdigest()


def verify_query(params: Mapping[str, str], secrets: Sequence[str], *, now: datetime) -> None:
    """Check the query HMAC against each secret, then that `timestamp` is within 90 s of `now`."""
    signature = params.get("hmac", "")
    if not signature:
        raise RequestRejected(Rejection.MISSING_HMAC, "the request has no hmac parameter")
    given = signature.lower().encode()
    if not any(hmac.compare_digest(query_hmac(params, s).encode(), given) for s in secrets):
        raise RequestRejected(Rejection.BAD_HMAC, "the hmac parameter does not match the query")
    raw = params.get("timestamp", "")
    if not (raw.isascii() and raw.isdigit()):
        raise RequestRejected(Rejection.BAD_TIMESTAMP, "the timestamp parameter is not an integer")
    skew = abs(now.timestamp() - int(raw))
    if skew > HMAC_TOLERANCE_SECONDS:
        raise RequestRejected(
            Rejection.STALE_TIMESTAMP,
            f"the request timestamp is {skew:.0f}s from now (at most {HMAC_TOLERANCE_SECONDS}s)",
        )


# ---------------------------------------------------------------------------------------------
# Session tokens
# ---------------------------------------------------------------------------------------------


def frame_ancestors(shop: str) -> str:
    """The Content-Security-Policy every embedded document response must carry."""
    return f"frame-ancestors https://{shop} https://admin.shopify.com;"


def session_shop(claims: Mapping[str, Any]) -> str:
    """The shop a token speaks for: `dest` is https://{shop} and `iss` https://{shop}/admin."""
    dest = str(claims.get("dest", ""))
    if not dest.startswith("https://"):
        raise InvalidShop("the session token's dest is not an https shop URL")
    shop = normalize_shop(dest)
    if str(claims.get("iss", "")).lower().rstrip("/") != f"https://{shop}/admin":
        raise InvalidShop("the session token's iss and dest name different shops")
    return shop


def _reply(res: Res | None) -> Reply:
    if res is None:
        return Reply(401, {RETRY_HEADER: "1"}, "Unauthorized")
    return Reply(res.status, dict(res.headers), res.body)


def _on_our_clock(stamp: str | None, now: datetime) -> datetime | None:
    """Move a wall-clock expiry stamped by shopify_app onto `now` (the caller's clock).

    The library stamps `wall now + lifetime` to the second; we keep the lifetime (rounded up,
    undoing the truncation) and start it at `now`, so expiries agree with the clock that
    decides when to refresh. With a real clock this is the stamp itself.
    """
    if not stamp:
        return None
    lifetime = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - datetime.now(UTC)
    seconds = math.ceil(lifetime.total_seconds())
    # The library stamps "now" when Shopify sent no lifetime at all: that is "unknown", not "expired".
    return now + timedelta(seconds=seconds) if seconds > 0 else None


def _now(now: datetime | None) -> datetime:
    # Callers pass their clock (the runtime's); without one, the wall clock.
    return now if now is not None else datetime.now(UTC)


def _scopes(scope: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (scope or "").split(",") if s.strip())


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(headers: Mapping[str, str]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 2.0


def grant_error(
    action: str, shop: str, *, status: int | None, code: str, headers: Mapping[str, str]
) -> PlatformError:
    """Translate a refused or failed grant into our error family (the one place this happens)."""
    detail = f"{shop}: {action} failed ({code or 'no error code'}, HTTP {status or '-'})"
    if code == "invalid_subject_token":
        reply = Reply(401, {RETRY_HEADER: "1"}, "Unauthorized")
        return SessionRejected(Rejection.INVALID_SESSION, detail, reply)
    if status == 429 or code == "rate_limit_exceeded":
        return PlatformRateLimited(_retry_after(headers), detail)
    if code in _UNAVAILABLE_CODES or (status is not None and status >= 500):
        return PlatformUnavailable(detail)
    if code in _AUTH_CODES or status in (401, 403):
        return PlatformAuthError(detail)
    return PlatformRejected(f"{shop}: {action} failed (HTTP {status or '-'})", code=code or None)


def _result_error(action: str, shop: str, result: TokenExchangeResult) -> PlatformError:
    # http_logs carry the request (with our secret redacted) and response: read, never log them.
    last = result.http_logs[-1].res if result.http_logs else None
    return grant_error(
        action, shop,
        status=last.status if last is not None and last.status else None,
        code=result.log.code,
        headers=last.headers if last is not None else {},
    )


class ShopifyAuth:
    """The app's Shopify identity: verifies admin requests and session tokens, obtains tokens."""

    def __init__(
        self,
        client_id: str,
        secrets: Sequence[str],
        http: httpx.AsyncClient,
        *,
        expiring: bool = True,
    ) -> None:
        if not client_id or not secrets:
            raise ValueError("ShopifyAuth needs the client id and at least one secret")
        self.client_id = client_id
        self.expiring = expiring
        self._secrets = tuple(secrets)
        self._http = http
        previous = self._secrets[1] if len(self._secrets) > 1 else None
        self._app = ShopifyApp(client_id, self._secrets[0], previous)

    def verify_query(self, params: Mapping[str, str], *, now: datetime) -> None:
        """Check an admin/OAuth query's HMAC (current or previous secret) and timestamp."""
        verify_query(params, self._secrets, now=now)

    def verify_app_home(
        self, *, method: str, url: str, headers: Mapping[str, str], patch_path: str
    ) -> AppHomeCheck:
        """Verify a document load (`?id_token=`) or fetch (`Authorization`) to the App Home."""
        result = self._app.verify_app_home_req(
            {"method": method, "headers": dict(headers), "url": url, "body": ""},
            app_home_patch_id_token_path=patch_path,
        )
        if not result.ok or result.id_token is None:
            return AppHomeCheck(None, _reply(result.response), None, result.log.code)
        stale = _reply(result.invalid_token_response)
        claims = result.id_token.claims
        try:
            shop = session_shop(claims)
        except InvalidShop:
            return AppHomeCheck(None, stale, None, Rejection.SHOP_MISMATCH.value)
        page_headers = dict(result.response.headers)
        if "Content-Security-Policy" in page_headers:
            page_headers["Content-Security-Policy"] = frame_ancestors(shop)
        sub = claims.get("sub")
        session = Session(shop, None if sub is None else str(sub), result.id_token.token, claims)
        return AppHomeCheck(session, Reply(200, page_headers), stale, result.log.code)

    def verify_bearer(self, authorization: str | None, url: str) -> Session:
        """The session of an `Authorization: Bearer <session token>` header, or SessionRejected."""
        if not authorization:
            reply = Reply(401, {}, "Unauthorized")
            raise SessionRejected(Rejection.MISSING_SESSION, "no Authorization header", reply)
        check = self.verify_app_home(
            method="GET", url=url, headers={"authorization": authorization},
            patch_path=PATCH_ID_TOKEN_PATH,
        )
        if check.session is None:
            reason = (
                Rejection.SHOP_MISMATCH if check.reason == Rejection.SHOP_MISMATCH
                else Rejection.INVALID_SESSION
            )
            raise SessionRejected(reason, f"session token refused ({check.reason})", check.reply)
        return check.session

    def patch_id_token_page(self, url: str) -> Reply:
        """The small page where App Bridge fetches a fresh session token and reloads the app."""
        return _reply(self._app.app_home_patch_id_token(
            {"method": "GET", "headers": {}, "url": url, "body": ""}
        ).response)

    def authorize_url(
        self, shop: str, *, scopes: Sequence[str], redirect_uri: str, state: str
    ) -> str:
        """Where to send the merchant to grant an authorization code (non-embedded installs)."""
        query = urlencode({
            "client_id": self.client_id,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        })
        return f"https://{normalize_shop(shop)}/admin/oauth/authorize?{query}"

    async def exchange_session_token(
        self, id_token: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Exchange a session token for an offline token (expiring when configured so)."""
        session = self.verify_bearer(f"Bearer {id_token}", "https://app.invalid/")
        result = await self._app.exchange_using_token_exchange_async(
            access_mode="offline",
            id_token={"exchangeable": True, "token": session.token, "claims": dict(session.claims)},
            expiring=self.expiring,
            http_client=self._http,
        )
        if not result.ok or result.access_token is None:
            raise _result_error("token exchange", session.shop, result)
        return self._credentials(session.shop, result.access_token, _now(now))

    async def refresh(
        self, creds: StoreCredentials, *, now: datetime | None = None
    ) -> StoreCredentials:
        """New credentials from the refresh token, which Shopify replaces with a new one."""
        if not creds.refresh_token:
            raise PlatformAuthError(f"{creds.shop}: no refresh token (the token does not expire)")
        result = await self._app.refresh_token_exchanged_access_token_async(
            {
                "shop": creds.shop.removesuffix(".myshopify.com"),
                "refresh_token": creds.refresh_token,
                # Empty expiries: the caller already decided to refresh, by its own clock and
                # margin; the library would otherwise skip it by its own 60 s wall-clock rule.
                "expires": "",
                "refresh_token_expires": "",
                "access_mode": "offline",
                "user": None,
            },
            http_client=self._http,
        )
        if not result.ok or result.access_token is None:
            raise _result_error("token refresh", creds.shop, result)
        fresh = self._credentials(creds.shop, result.access_token, _now(now), extra=creds.extra)
        if fresh.refresh_token:
            return fresh
        # No new refresh token in the answer: the one we used is still the one to keep.
        return replace(fresh, refresh_token=creds.refresh_token)

    async def exchange_code(
        self, shop: str, code: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Exchange an authorization code (from /auth/callback) for an offline token."""
        shop, now = normalize_shop(shop), _now(now)
        body = {
            "client_id": self.client_id,
            "client_secret": self._secrets[0],
            "code": code,
            "expiring": "1" if self.expiring else "0",
        }
        try:
            response = await self._http.post(
                f"https://{shop}/admin/oauth/access_token",
                json=body, headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(
                f"{shop}: authorization code exchange failed ({type(exc).__name__})"
            ) from exc
        data = _json_object(response)
        if response.status_code != 200 or not data.get("access_token"):
            raise grant_error(
                "authorization code exchange", shop, status=response.status_code,
                code=str(data.get("error") or ""), headers=response.headers,
            )
        expires_in = data.get("expires_in")
        refresh_in = data.get("refresh_token_expires_in")
        return StoreCredentials(
            platform="shopify",
            shop=shop,
            access_token=str(data["access_token"]),
            scopes=_scopes(data.get("scope")),
            expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
            refresh_token=data.get("refresh_token") or None,
            refresh_token_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
        )

    @staticmethod
    def _credentials(
        shop: str,
        token: TokenExchangeAccessToken,
        now: datetime,
        extra: Mapping[str, str] | None = None,
    ) -> StoreCredentials:
        return StoreCredentials(
            platform="shopify",
            shop=shop,
            access_token=token.token,
            scopes=_scopes(token.scope),
            expires_at=_on_our_clock(token.expires, now),
            refresh_token=token.refresh_token or None,
            refresh_token_expires_at=_on_our_clock(token.refresh_token_expires, now),
            extra=dict(extra or {}),
        )
