"""Gift cards and free products in real Chromium: the merchant sets them on the Program page (the
product fields show for a free product only, and a free product without its product id is refused
beside the field), and a member redeems a free coffee from the widget's catalogue and sees its
name and code. Their own servers, so the other modules' counts stay theirs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import AdminServer, admin_page, api, open_admin
from tests.browser.conftest import DemoServer, start_demo
from tests.browser.servers import stop
from tests.browser.test_journey import watch

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with admin_page(browser) as made:
        yield made


@pytest.fixture(scope="module")
def reward_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo server of its own."""
    server, process = start_demo(tmp_path_factory.mktemp("reward-kinds-demo"))
    yield server
    stop(process)


@pytest.mark.parametrize("host", ["shopify", "woocommerce"])
def test_the_program_page_sets_a_free_product_then_a_gift_card(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="program")
    kind = app.locator("#p-advocate_reward-kind")
    product = app.locator("#p-advocate_reward-product_id")
    expect(kind).to_be_visible()
    expect(product).to_be_attached()
    expect(product).to_be_hidden()

    # A free product shows its fields; saved without the product id, the API's message is beside it
    kind.select_option("free_product")
    expect(product).to_be_visible()
    app.locator("#p-advocate_reward-value").fill("18.00")
    app.locator("#p-advocate_reward-product_name").fill("Bolsa tote")
    app.locator("#program-form").get_by_role("button", name="Save").click()
    error = app.locator("#p-advocate_reward-product_id-error")
    expect(error).to_have_text("is required for a free product: the id of the product in the store")
    expect(product).to_be_focused()

    product.fill("8123456789")
    app.locator("#program-form").get_by_role("button", name="Save").click()
    expect(app.get_by_role("status")).to_contain_text("Program saved")
    rule = api(admin_server, host, "GET", "/program").json()["config"]["advocate_reward"]
    assert (rule["kind"], rule["value"], rule["product_id"], rule["product_name"]) == (
        "free_product", "18.00", "8123456789", "Bolsa tote",
    )  # fmt: skip

    # A gift card hides them again and sends none
    app = open_admin(page, admin_server, host, path="program")
    expect(app.locator("#p-advocate_reward-product_id")).to_be_visible()
    app.locator("#p-advocate_reward-kind").select_option("gift_card")
    expect(app.locator("#p-advocate_reward-product_id")).to_be_hidden()
    app.locator("#p-advocate_reward-value").fill("25.00")
    app.locator("#program-form").get_by_role("button", name="Save").click()
    expect(app.get_by_role("status")).to_contain_text("Program saved")
    rule = api(admin_server, host, "GET", "/program").json()["config"]["advocate_reward"]
    assert (rule["kind"], rule["value"], rule["product_id"], rule["product_name"]) == (
        "gift_card", "25.00", None, None,
    )  # fmt: skip
    assert page.errors == []


def test_the_loyalty_page_sells_a_free_product_in_the_catalogue(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, "woocommerce", path="loyalty")
    app.get_by_label("Members collect points").check()
    app.get_by_role("button", name="Add a reward").click()
    app.locator("#l-loyalty-catalogue-0-name").fill("Bolsa tote")
    app.locator("#l-loyalty-catalogue-0-points").fill("400")
    product = app.locator("#l-loyalty-catalogue-0-reward-product_id")
    expect(product).to_be_attached()
    expect(product).to_be_hidden()
    app.locator("#l-loyalty-catalogue-0-reward-kind").select_option(label="Free product")
    expect(product).to_be_visible()
    app.locator("#l-loyalty-catalogue-0-reward-value").fill("18.00")
    product.fill("812")
    app.locator("#l-loyalty-catalogue-0-reward-product_name").fill("Bolsa tote")
    app.locator("#loyalty-form").get_by_role("button", name="Save").click()

    expect(app.get_by_role("status")).to_contain_text("Loyalty saved")
    [item] = api(admin_server, "woocommerce", "GET", "/program").json()["config"]["loyalty"]["catalogue"]
    reward = item["reward"]
    assert (item["points"], reward["kind"], reward["value"], reward["product_id"],
            reward["variant_id"], reward["product_name"]) == (
        400, "free_product", "18.00", "812", None, "Bolsa tote",
    )  # fmt: skip
    assert page.errors == []


def test_a_member_redeems_a_free_coffee_in_the_widget(
    reward_demo: DemoServer, browser: Any
) -> None:
    ana = browser.new_context(locale="es-ES", viewport={"width": 1200, "height": 1000})
    page = ana.new_page()
    errors = watch(page)
    page.goto(reward_demo.store)
    page.get_by_role("button", name="Entrar como Ana").click()

    # Ana buys a coffee herself (290 points), then spends 250 on a free one in the widget
    page.get_by_role("button", name="Añadir al carrito").click()
    page.locator("#email").fill("ana@example.com")
    page.get_by_role("button", name="Realizar pedido").click()
    expect(page.locator("p.done")).to_contain_text("realizado")
    page.get_by_role("button", name="Invita y gana").click()
    widget = page.locator("referral-widget")
    expect(widget.locator("[data-stat=points]")).to_have_text("290 puntos")
    widget.locator('[data-k="redeem-free-coffee"]').click()
    expect(widget.locator("[data-stat=points]")).to_have_text("40 puntos")

    # The reward names the product, and its code shows once the store has it
    reward = widget.locator(".rl li").filter(has_text="Café de Colombia, 250 g gratis")
    expect(reward).to_have_count(1)
    expect(reward.locator(".tag")).to_have_text("Lista para usar", timeout=15_000)
    expect(reward.locator(".rc")).to_have_text(re.compile(r"^Código: REWARD-[2-9A-HJ-NP-Z-]+$"))
    assert errors == []
    ana.close()
