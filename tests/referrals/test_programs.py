"""A shop's program: defaults until saved, numbered versions, clear field errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector.domain.program import ProgramError
from connector.domain.program.kinds import RewardKind
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import (
    default_program,
    list_versions,
    live_program,
    program_version,
    save_program,
)
from connector.store.models import ProgramVersion
from tests.referrals.helpers import PROGRAM, sandbox_shop


async def test_a_new_shop_runs_on_the_defaults_in_its_currency(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime, program=False)
    shop.settings = {"currency": "eur"}

    live = await live_program(runtime, shop)

    assert live.saved is False
    program = live.program
    assert (program.version, program.currency, program.hold_days) == (1, "EUR", 14)
    assert program.friend_offer is not None
    assert program.advocate_reward is not None
    assert (program.friend_offer.kind, program.friend_offer.value) == (
        RewardKind.PERCENTAGE_DISCOUNT,
        Decimal("10"),
    )
    assert (program.advocate_reward.kind, program.advocate_reward.value) == (
        RewardKind.FIXED_DISCOUNT,
        Decimal("10.00"),
    )
    assert default_program(runtime.settings).currency == "USD"
    assert await ProgramVersion.all().count() == 0


async def test_saving_numbers_the_versions_and_the_newest_is_live(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime, program=False)

    first = await save_program(runtime, shop, {**PROGRAM, "version": 7}, actor="maria@shop")
    second = await save_program(
        runtime, shop, {**PROGRAM, "hold_days": 30}, actor="jon@shop", note="Longer returns"
    )

    assert (first.version, second.version) == (1, 2)
    live = await live_program(runtime, shop)
    assert (live.saved, live.program.version, live.program.hold_days) == (True, 2, 30)
    assert (await program_version(shop.id, 1)).hold_days == 14
    assert [(v.version, v.created_by, v.note) for v in await list_versions(shop)] == [
        (2, "jon@shop", "Longer returns"),
        (1, "maria@shop", ""),
    ]


async def test_an_invalid_program_names_every_bad_field_and_saves_nothing(
    runtime: Runtime,
) -> None:
    shop = await sandbox_shop(runtime, program=False)
    bad = {
        **PROGRAM,
        "hold_days": -1,
        "min_subtotal": 20.5,
        "advocate_reward": {"kind": "store_credit", "value": "150", "basis": "percent_of_order"},
        "colour": "blue",
    }

    with pytest.raises(ProgramError) as caught:
        await save_program(runtime, shop, bad, actor="maria@shop")

    errors = dict(caught.value.errors)
    assert sorted(errors) == ["colour", "hold_days", "min_subtotal"]
    assert errors["colour"] == "is not a known field"
    assert errors["min_subtotal"] == (
        "must be a decimal written as a string (floats are inexact), got 20.5"
    )
    assert await ProgramVersion.all().count() == 0
    with pytest.raises(ProgramError) as cross:
        await save_program(
            runtime,
            shop,
            {**PROGRAM, "advocate_reward": bad["advocate_reward"]},
            actor="maria@shop",
        )
    assert cross.value.errors == (
        ("advocate_reward.value", "must be a percentage of at most 100, got '150'"),
    )
