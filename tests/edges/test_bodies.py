"""Bad input at every door is a 4xx naming what is wrong: nesting, sizes, lengths, numbers."""

from __future__ import annotations

import httpx
import pytest

from connector import jsonsafe
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import live_program
from connector.store.models import Advocate, Delivery, DeliveryStatus, Shop
from tests.admin.conftest import PROGRAM, bearer
from tests.storefront.factories import proxy_query, shopify_shop
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, order, signed_headers

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
NESTED = b'{"a":' * 5000 + b"1" + b"}" * 5000


def test_nesting_past_the_limit_is_refused_before_parsing() -> None:
    assert jsonsafe.depth(b'{"a": [1, {"b": "[[[[ {{ \\" ["}]}') == 3
    assert jsonsafe.loads(b'{"a": [[["ok"]]]}') == {"a": [[["ok"]]]}
    for text, message in [
        (NESTED, "nests deeper than 64 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper than 64 levels"),
        (b'{"min": 1e999999}', "the number 1e999999 is out of range"),
        (b"[NaN]", "NaN is not a JSON number"),
    ]:
        with pytest.raises(jsonsafe.JSONRejected, match=message) as caught:
            jsonsafe.loads(text)
        assert caught.value.limit is True
    with pytest.raises(jsonsafe.JSONRejected) as caught:
        jsonsafe.loads(b'{"a": ')
    assert caught.value.limit is False


async def test_a_woocommerce_webhook_key_of_500_characters_names_no_store(
    app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await app_client.post("/webhooks/woocommerce/" + "k" * 500, content=b"{}")

    assert answer.status_code == 404
    assert answer.json() == {"error": "no connected WooCommerce store has this webhook URL"}
    assert not [r for r in caplog.records if r.exc_info]


async def test_deeply_nested_json_on_the_key_callback_is_400(
    app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await app_client.post("/woocommerce/callback", content=NESTED)

    assert (answer.status_code, answer.text) == (400, "malformed")
    assert not [r for r in caplog.records if r.exc_info]


async def test_the_admin_api_refuses_nesting_and_names_it(
    app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    answer = await app_client.put("/admin/api/program", content=NESTED, headers=bearer())

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "body is not valid JSON: the JSON nests deeper than 64 levels"
    }


async def test_an_over_long_customer_id_in_the_admin_api_is_422_naming_it(
    app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    answer = await app_client.post(
        "/admin/api/advocates", json={"customer_id": "9" * 1000}, headers=bearer()
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid body",
        "fields": [{"path": "customer_id", "message": "must be at most 64 characters, got 1000"}],
    }
    assert await Advocate.all().count() == 0


async def test_a_huge_minimum_subtotal_is_refused_and_never_made_live(
    runtime: Runtime, app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    body = {**PROGRAM, "min_subtotal": "1e999999"}

    answer = await app_client.put("/admin/api/program", json=body, headers=bearer())

    assert answer.status_code == 422
    assert answer.json()["fields"] == [
        {
            "path": "min_subtotal",
            "message": "must be less than 1000000000000 in size, got '1e999999'",
        }
    ]
    live = await live_program(runtime, program_shop)
    assert (live.program.version, str(live.program.min_subtotal)) == (1, "20.00")


async def test_an_over_long_customer_id_in_a_signed_app_proxy_query_is_400(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await shopify_shop(runtime)

    answer = await app_client.post(
        "/proxy/api/join", params=proxy_query(runtime.now(), "9" * 1000), json={}
    )

    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_customer_id"})
    assert await Advocate.all().count() == 0


async def test_a_signed_webhook_nested_too_deep_is_dead_lettered_at_once(
    runtime: Runtime, app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    answer = await app_client.post(
        "/webhooks/shopify", content=NESTED, headers=signed_headers(NESTED, "orders/paid", "w-deep")
    )
    assert answer.status_code == 200

    assert await build_worker(runtime).drain() == {"dead": 1}
    stored = await Delivery.get(delivery_key="w-deep")
    assert (stored.status, stored.attempts) == (DeliveryStatus.DEAD, 1)
    assert stored.last_error == (
        "FatalDeliveryError: the body is not JSON we can read: the JSON nests deeper than 64 levels"
    )


async def test_an_order_body_that_fails_validation_is_dead_lettered_at_once_with_why(
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    program_shop: Shop,
    fake_shopify: FakeShopify,
) -> None:
    body = {**order(order_id=4401), "customer": "not an object"}
    raw = encode(body)
    await app_client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/paid", "w-bad")
    )

    assert await build_worker(runtime).drain() == {"dead": 1}
    stored = await Delivery.get(delivery_key="w-bad")
    assert stored.attempts == 1
    assert stored.last_error is not None
    assert stored.last_error.startswith(
        "FatalDeliveryError: the body is not a orders/paid order we can read: "
    )
