"""Enrolling advocates: idempotent, unique readable codes, share links, claims, partners, causes."""

from __future__ import annotations

import re

import pytest

from connector.domain.program import program_to_dict
from connector.domain.program.presets import CHARITY, PARTNERSHIP
from connector.domain.reasons import Reason
from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates
from connector.services.referrals.advocates import (
    OfferClaimed,
    Refused,
    choose_cause,
    claim_offer,
    enrol_advocate,
    enrol_partner,
    list_advocates,
)
from connector.services.referrals.programs import save_program
from connector.store.models import Advocate, DiscountCode, OfferClaim, ProgramVersion
from tests.referrals.helpers import PROGRAM, SHOP, sandbox_shop

CODE = re.compile(r"^ANA-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$")


async def test_the_same_shopper_enrols_once_by_email_or_customer_id(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime)

    first = await enrol_advocate(runtime, shop, email="Ana.Lopez+shop@Gmail.com", name="Ana")
    again = await enrol_advocate(runtime, shop, email="analopez@gmail.com", name="Ana L.")
    logged_in = await enrol_advocate(
        runtime, shop, email="analopez@gmail.com", customer_id="7001", name="Ana"
    )
    by_id = await enrol_advocate(runtime, shop, customer_id="7001")

    assert (first.created, again.created, logged_in.created, by_id.created) == (
        True, False, False, False,
    )  # fmt: skip
    ids = {e.advocate.id for e in (first, again, logged_in, by_id)}
    assert ids == {first.advocate.id}
    stored = await Advocate.get()
    assert (stored.email_normalized, stored.customer_id, stored.name) == (
        "analopez@gmail.com",
        "7001",
        "Ana",
    )
    assert CODE.match(stored.friend_code)
    assert first.share_link == f"https://{SHOP}/?ref={stored.friend_code}"
    codes = await DiscountCode.all().values("code", "purpose", "status", "advocate_id")
    assert codes == [
        {
            "code": stored.friend_code,
            "purpose": "friend",
            "status": "pending",
            "advocate_id": stored.id,
        }
    ]


async def test_a_colliding_friend_code_is_drawn_again(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a code generator that repeats itself once
    shop = await sandbox_shop(runtime)
    draws = iter(["ANA-2222", "ANA-2222", "ANA-3333"])
    monkeypatch.setattr(advocates, "friend_code", lambda name, length=4: next(draws))

    # When two shoppers named Ana enrol
    first = await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
    second = await enrol_advocate(runtime, shop, email="ana.two@example.org", name="Ana")

    # Then the second insert hit the constraint and drew a new code; each has one store code
    assert (first.advocate.friend_code, second.advocate.friend_code) == ("ANA-2222", "ANA-3333")
    assert sorted(await DiscountCode.all().values_list("code", flat=True)) == [
        "ANA-2222",
        "ANA-3333",
    ]
    assert await Advocate.all().count() == 2


async def test_enrolling_under_the_defaults_saves_them_as_version_1(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime, program=False)

    await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
    await enrol_advocate(runtime, shop, email="bea@example.org", name="Bea")

    versions = await ProgramVersion.all().values("version", "created_by")
    assert versions == [{"version": 1, "created_by": "defaults"}]


async def test_an_enrolment_needs_an_email_or_a_customer_id(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime)

    with pytest.raises(ValueError, match="needs an email or a store customer id"):
        await enrol_advocate(runtime, shop, email="  ")
    with pytest.raises(ValueError, match="not an email address"):
        await enrol_advocate(runtime, shop, email="ana at example")
    assert await Advocate.all().count() == 0


async def test_unique_mode_gives_each_friend_one_single_use_code_on_claim(
    runtime: Runtime,
) -> None:
    # Given a program with a single-use code per friend
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, {**PROGRAM, "friend_code_mode": "unique"}, actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    assert await DiscountCode.all().count() == 0  # her own code is only a referral link

    # When a friend claims her offer twice (in different spellings of the address)
    first = await claim_offer(runtime, shop, ana.friend_code.lower(), "Lucia@Example.org")
    again = await claim_offer(runtime, shop, ana.friend_code, "lucia@example.org")

    # Then one claim and one single-use code, the same both times
    assert isinstance(first, OfferClaimed)
    assert isinstance(again, OfferClaimed)
    assert (first.created, again.created, first.friend_code) == (True, False, again.friend_code)
    assert re.match(r"^ANA-[23456789A-Z]{5}-[23456789A-Z]{5}$", first.friend_code)
    assert await DiscountCode.all().values("code", "purpose", "friend_email_normalized") == [
        {
            "code": first.friend_code,
            "purpose": "friend_single",
            "friend_email_normalized": "lucia@example.org",
        }
    ]
    assert await OfferClaim.all().count() == 1


async def test_claims_that_cannot_be_are_refused_with_a_reason(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    unknown = await claim_offer(runtime, shop, "NOPE-2222", "lucia@example.org")
    own = await claim_offer(runtime, shop, ana.friend_code, "ANA@example.org")

    assert unknown == Refused(Reason.UNKNOWN_CODE, "'NOPE-2222' is not an advocate's code.")
    assert own == Refused(Reason.SAME_EMAIL, "An advocate cannot claim their own offer.")
    assert await OfferClaim.all().count() == 0


async def test_partners_enrol_once_with_a_shared_code(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, program_to_dict(PARTNERSHIP), actor="test")

    first = await enrol_partner(runtime, shop, "acme")
    again = await enrol_partner(runtime, shop, "acme")
    unknown = await enrol_partner(runtime, shop, "globex")

    assert not isinstance(first, Refused)
    assert not isinstance(again, Refused)
    assert (first.created, again.created, first.advocate.id) == (True, False, again.advocate.id)
    partner = first.advocate
    assert (partner.kind, partner.partner_account, partner.name) == (
        "partner",
        "partner:acme",
        "Acme Outdoor",
    )
    assert partner.friend_code.startswith("ACME-")
    assert await DiscountCode.all().values_list("purpose", flat=True) == ["friend"]
    assert unknown == Refused(Reason.PARTNER, "The program has no partner 'globex' (it has acme).")


async def test_a_charity_cause_must_be_one_of_the_programs(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, program_to_dict(CHARITY), actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    chosen = await choose_cause(runtime, shop, ana.id, "ocean")
    refused = await choose_cause(runtime, shop, ana.id, "whales")

    assert isinstance(chosen, Advocate)
    assert refused == Refused(
        Reason.CHARITY_CAUSE, "'whales' is not a cause (causes: ocean, trees)."
    )
    assert (await Advocate.get()).charity_cause == "ocean"


async def test_the_list_shows_codes_and_links(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    rows = await list_advocates(shop)

    assert [(r.id, r.email, r.friend_code, r.share_link) for r in rows] == [
        (ana.id, "ana@example.org", ana.friend_code, f"https://{SHOP}/?ref={ana.friend_code}")
    ]
