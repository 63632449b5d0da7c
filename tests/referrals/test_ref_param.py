"""The shop's referral parameter (storefront `ref_param`): in share links and read by attribution."""

from __future__ import annotations

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.store.models import Referral, Shop
from tests.conftest import Clock
from tests.referrals.helpers import SHOP, deliver, order_body, sandbox_shop


async def shop_using(runtime: Runtime, name: str) -> Shop:
    """The sandbox shop whose storefront carries codes in the `name` query parameter."""
    shop = await sandbox_shop(runtime)
    shop.settings = {**(shop.settings or {}), "storefront": {"ref_param": name}}
    await shop.save()
    return shop


async def test_links_carry_the_shops_parameter_and_attribution_reads_it(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a shop whose links say ?via=CODE
    shop = await shop_using(runtime, "via")

    # When Ana enrols and a friend lands from her link and buys without a code
    enrolment = await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
    code = enrolment.advocate.friend_code
    landed = order_body(6001, clock.now, landing=f"https://{SHOP}/?via={code}")
    assert await deliver(runtime, landed, "wh-via-1") == {"done": 1}

    # Then her link names the parameter and the landing link credits her
    assert enrolment.share_link == f"https://{SHOP}/?via={code}"
    referral = await Referral.get(order_id="6001")
    assert (referral.advocate_id, referral.winning_signal) == (enrolment.advocate.id, "landing_ref")


async def test_links_shared_before_the_shop_chose_its_parameter_still_count(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await shop_using(runtime, "via")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    old_link = order_body(6002, clock.now, landing=f"https://{SHOP}/?ref={ana.friend_code}")
    assert await deliver(runtime, old_link, "wh-via-2") == {"done": 1}

    referral = await Referral.get(order_id="6002")
    assert (referral.advocate_id, referral.winning_signal) == (ana.id, "landing_ref")


async def test_a_code_in_a_parameter_the_shop_does_not_use_credits_nobody(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await shop_using(runtime, "via")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    other = order_body(6003, clock.now, landing=f"https://{SHOP}/?utm_content={ana.friend_code}")
    assert await deliver(runtime, other, "wh-via-3") == {"done": 1}

    assert await Referral.all().count() == 0
