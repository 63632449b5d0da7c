"""No secret appears in logs or responses: install and webhook handling, captured and searched."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from connector.logs import install_secret_filter
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.shops.credentials import save_credentials
from connector.store.models import Shop
from platforms.base import StoreCredentials
from tests.conftest import TEST_API_SECRET, TEST_KEY, TEST_PREVIOUS_SECRET, Clock
from tests.support.shopify_payloads import SHOP, encode, order, signed_headers

ACCESS = "shpat_live_0f9e8d7c6b5a4f3e2d1c0b9a"
REFRESH = "shprt_live_a1b2c3d4e5f60718293a4b5c"


class Capture(logging.Handler):
    """Keeps every formatted record, from every logger, at every level."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_text:
            self.lines.append(record.exc_text)


@pytest.fixture
def captured() -> Iterator[Capture]:
    install_secret_filter()
    handler = Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


def assert_clean(texts: list[str], secrets: list[str]) -> None:
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob, f"a secret leaked: {secret[:6]}…"


async def test_webhook_handling_logs_and_answers_no_secret(
    runtime: Runtime, app_client: httpx.AsyncClient, captured: Capture
) -> None:
    await save_credentials(
        runtime,
        StoreCredentials(platform="shopify", shop=SHOP, access_token=ACCESS, refresh_token=REFRESH),
    )
    body = encode(order())
    answers = []
    for headers in (
        signed_headers(body, "orders/paid", "wh-leak-1"),
        signed_headers(body, "orders/paid", "wh-leak-1"),
        signed_headers(body, "orders/paid", "wh-leak-2", secret="wrong-secret-123456"),
        signed_headers(body, "products/create", "wh-leak-3"),
    ):
        answers.append(await app_client.post("/webhooks/shopify", content=body, headers=headers))
    logging.getLogger("connector.test").info("token in a message: %s and %s", ACCESS, REFRESH)

    await build_worker(runtime).drain()

    assert [a.status_code for a in answers] == [200, 200, 401, 200]
    logged = "\n".join(captured.lines)
    # The handling did log (so the search means something), including the rejected signature.
    assert "rejected a shopify webhook (orders/paid)" in logged
    assert "(orders/paid referral-test.myshopify.com): done" in logged
    assert "[redacted]" in "\n".join(captured.lines)
    assert_clean(
        captured.lines + [a.text for a in answers] + [str(dict(a.headers)) for a in answers],
        [ACCESS, REFRESH, TEST_API_SECRET, TEST_PREVIOUS_SECRET, TEST_KEY],
    )
    shop = await Shop.get(domain=SHOP)
    assert shop.access_token is not None
    assert ACCESS not in shop.access_token
    assert REFRESH not in (shop.refresh_token or "")


async def test_install_and_token_refresh_log_and_answer_no_secret(
    runtime: Runtime, app_client: httpx.AsyncClient, captured: Capture, clock: Clock
) -> None:
    import respx

    from connector.services.shops.tokens import fresh_credentials
    from tests.shopify.factories import TOKEN_URL, session_token, token_answer

    exchanged, rotated = "shpat_exchanged_9a8b7c6d5e4f", "shprt_rotated_1a2b3c4d5e6f"
    first_refresh = "shprt_first_0f1e2d3c4b5a"
    token = session_token()
    query = f"/?embedded=1&shop={SHOP}&id_token={token}"
    with respx.mock:
        respx.post(TOKEN_URL).respond(200, json=token_answer(exchanged, first_refresh))
        install = await app_client.get(query)
    clock.advance(minutes=58)
    with respx.mock:
        respx.post(TOKEN_URL).respond(200, json=token_answer(exchanged + "2", rotated))
        await fresh_credentials(runtime, SHOP)
    clock.advance(minutes=58)
    with respx.mock:
        respx.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
        with pytest.raises(Exception, match="re-authori"):
            await fresh_credentials(runtime, SHOP)

    assert install.status_code == 200
    logged = "\n".join(captured.lines)
    assert SHOP in logged  # install and refresh did log
    assert_clean(
        [*captured.lines, install.text, str(dict(install.headers))],
        [exchanged, exchanged + "2", rotated, first_refresh, token, TEST_API_SECRET, TEST_KEY],
    )
