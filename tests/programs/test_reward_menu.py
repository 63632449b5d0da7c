"""A reward menu on Shopify: the advocate picks her reward in the widget (through the App Proxy),
or the default is issued after the wait; each pick is issued exactly once, and the pick is part
of the referral's record (its events, the admin's detail, the exports). Every GraphQL document
the store receives is checked against Shopify's Admin schema by the fake store."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from connector.domain.program import (
    RewardChoice,
    RewardKind,
    RewardMenu,
    RewardRule,
    program_to_dict,
)
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Advocate, Referral, ReferralEvent, Reward, Shop
from connector.store.models import RewardChoice as PickRow
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import (
    amount_off_input,
    credit,
    end_hold,
    enrol,
    paid_order,
    post_paid,
    process,
    save,
    sent,
)
from tests.shopify.factories import SHOP
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA = 7101
MENU = RewardMenu(
    choices=(
        RewardChoice("credit", "Saldo de 10 $", "$10 store credit",
                     RewardRule(RewardKind.STORE_CREDIT, Decimal("10.00"))),
        RewardChoice("discount", "15 $ de descuento", "$15 off",
                     RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("15.00"))),
    ),
    default_choice_id="credit",
    default_after_days=7,
)  # fmt: skip
PROGRAM = replace(FIXED, reward_menu=MENU, caps=replace(FIXED.caps, per_period=None))


async def widget(client: httpx.AsyncClient, clock: Clock, action: str, **body: Any) -> httpx.Response:
    """A widget call through the App Proxy, signed for Ana."""
    query = proxy_query(clock.now, str(ANA), shop=SHOP)
    if body:
        return await client.post(f"/proxy/api/{action}", params=query, json=body)
    return await client.get(f"/proxy/api/{action}", params=query)


async def events(referral: Referral) -> list[tuple[str, str | None, str, str, str]]:
    rows = await ReferralEvent.filter(referral_id=referral.id).order_by("id")
    return [(r.event, r.reason, r.cause_kind, r.cause_ref, r.note) for r in rows]


@dataclass(frozen=True)
class Earned:
    """Ana, her menu reward after the hold, and the delivery that credited it."""

    ana: Advocate
    reward: Reward
    delivery: int


async def ana_earns(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake: FakeShopify, clock: Clock,
    n: int,
) -> Earned:  # fmt: skip
    """The menu program saved, Ana's friend `n` buying with her code, the hold over (15 days)."""
    await save(runtime, shop, PROGRAM)
    ana = await enrol(runtime, shop, fake, "Ana", ANA)
    email, customer = f"friend{n}@example.org", 8900 + n
    fake.add_customer(email, orders=1, customer_id=customer)
    body = paid_order(5900 + n, clock.now, friend=customer, email=email, total="60.00",
                      code=ana.friend_code)  # fmt: skip
    delivery = await post_paid(app_client, body, f"wh-menu-{n}")
    assert await process(runtime) == {"done": 1}
    assert await end_hold(runtime, clock, days=15) == (1, 0)
    return Earned(ana, await Reward.get(shop=shop, advocate=ana), delivery)


async def test_the_advocate_picks_in_the_widget_and_it_is_issued_once(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a program whose advocate reward is a menu, and Ana's friend who bought with her code:
    # when the hold ends, the reward waits for her pick, and nothing reaches the store
    earned = await ana_earns(runtime, shop, app_client, fake_shopify, clock, 1)
    ana = earned.ana
    assert sent(fake_shopify, "storeCreditAccountCredit") == []
    assert sent(fake_shopify, "discountCodeBasicCreate") == []
    reward = earned.reward
    assert (reward.status, reward.kind, reward.amount) == ("awaiting_choice", "store_credit", 10)
    referral = await Referral.get(shop=shop)
    assert referral.state == "approved"

    # Then her widget shows the menu, in both languages, with the default's date
    shown = (await widget(app_client, clock, "me")).json()["dashboard"]["rewards"]
    due = clock.now.replace(microsecond=0)
    assert [(r["status"], r["id"], r["default"]) for r in shown] == [("choose", reward.id, "credit")]
    assert shown[0]["choices"] == [
        {"id": "credit", "es": "Saldo de 10 $", "en": "$10 store credit",
         "reward": {"kind": "store_credit", "value": "10.00", "currency": "USD", "basis": "flat",
                    "product": None}},
        {"id": "discount", "es": "15 $ de descuento", "en": "$15 off",
         "reward": {"kind": "fixed_amount_discount", "value": "15.00", "currency": "USD",
                    "basis": "flat", "product": None}},
    ]  # fmt: skip
    assert shown[0]["due_at"].startswith(str((due + timedelta(days=7)).date()))

    # When she picks "$15 off" from three tabs at once (two keys), and a retry repeats a key
    answers = await asyncio.gather(
        widget(app_client, clock, "pick", reward=reward.id, choice="discount", key="tab-1"),
        widget(app_client, clock, "pick", reward=reward.id, choice="credit", key="tab-2"),
        widget(app_client, clock, "pick", reward=reward.id, choice="discount", key="tab-1"),
    )

    # Then exactly one pick is recorded; the other key gets a clear 409
    picks = await PickRow.filter(reward_id=reward.id)
    assert len(picks) == 1
    won = picks[0]
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200, 200, 409], [200, 409, 409]), [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["error"] == "already_chosen"
        else:
            assert answer.json()["picked"]["choice"] == won.choice_id
    assert (won.chosen_by, won.side) == ("advocate", "advocate")

    # When the outbox runs (twice), the chosen reward reaches the store once
    assert await issue_due_rewards(runtime) == 1
    assert await issue_due_rewards(runtime) == 0
    reward = await Reward.get(id=reward.id)
    if won.choice_id == "discount":
        assert sent(fake_shopify, "discountCodeBasicCreate") == [
            amount_off_input(str(reward.code), reward.issued_at or clock.now, ANA, "15.00")
        ]
        assert sent(fake_shopify, "storeCreditAccountCredit") == []
    else:
        assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "10.00")]
        assert sent(fake_shopify, "discountCodeBasicCreate") == []
    assert reward.status == "issued"
    assert (await Referral.get(id=referral.id)).state == "rewarded"

    # And a pick after the reward is issued is refused with 409, its replay still answers 200
    late = await widget(app_client, clock, "pick", reward=reward.id, choice="credit", key="tab-9")
    assert (late.status_code, late.json()["error"]) == (409, "already_chosen")
    assert "no longer waiting for a choice" in late.json()["message"]
    replay = await widget(app_client, clock, "pick", reward=reward.id, choice="discount",
                          key=won.request_key)  # fmt: skip
    assert (replay.status_code, replay.json()["picked"]["replay"]) == (200, True)
    assert len(sent(fake_shopify, "discountCodeBasicCreate")) + len(
        sent(fake_shopify, "storeCreditAccountCredit")
    ) == 1

    # And the pick is on the referral's record: its events, the admin's detail, the export
    recorded = await events(referral)
    assert recorded[-2][:4] == ("reward_chosen", "reward_chosen", "person", f"advocate:{ana.id}")
    assert recorded[-2][4].startswith(f"{won.choice_id}: ")
    detail = (await app_client.get(f"/admin/api/referrals/{referral.id}", headers=bearer())).json()
    assert [(r["choice"], r["chosen_by"], r["kind"]) for r in detail["rewards"]] == [
        (won.choice_id, "advocate", reward.kind)
    ]
    assert "reward_chosen" in [t["event"] for t in detail["transitions"]]
    export = await app_client.get("/admin/api/exports/rewards.csv", headers=bearer())
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["id"], r["choice"], r["chosen_by"]) for r in rows] == [
        (str(reward.id), won.choice_id, "advocate")
    ]
    export = await app_client.get("/admin/api/exports/referrals.csv", headers=bearer())
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["reward_choice"], r["reward_chosen_by"]) for r in rows] == [
        (won.choice_id, "advocate")
    ]



async def test_without_a_pick_the_default_is_issued_after_the_wait_once(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given Ana's menu reward, earned and waiting for her pick
    earned = await ana_earns(runtime, shop, app_client, fake_shopify, clock, 2)
    reward, delivery = earned.reward, earned.delivery
    _, job = build_worker(runtime).periodic["issue_default_choices"]

    # When the worker's job runs before the wait is over, nothing is decided
    clock.advance(days=6, hours=23)
    assert await job(runtime) == 0
    assert (await Reward.get(id=reward.id)).status == "awaiting_choice"

    # When it runs after the program's 7 days (twice), the default is given once
    clock.advance(hours=1)
    assert await job(runtime) == 1
    assert await job(runtime) == 0
    assert await issue_due_rewards(runtime) == 1
    assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "10.00")]
    assert sent(fake_shopify, "discountCodeBasicCreate") == []
    pick = await PickRow.get(reward_id=reward.id)
    assert (pick.choice_id, pick.chosen_by) == ("credit", "default")

    # Then a pick now is a conflict that names what was given, and the store hears nothing more
    late = await widget(app_client, clock, "pick", reward=reward.id, choice="discount", key="k-1")
    assert (late.status_code, late.json()["error"]) == (409, "already_chosen")
    assert "(credit, by the default)" in late.json()["message"]
    assert len(sent(fake_shopify, "storeCreditAccountCredit")) == 1

    # And the referral's record says the default was given by the job, not the advocate
    referral = await Referral.get(shop=shop)
    assert [e[:4] for e in await events(referral)] == [
        ("created", None, "delivery", str(delivery)),
        ("hold_ended", "hold_ended", "job", "approve_due_referrals"),
        ("reward_chosen", "reward_defaulted", "job", "issue_default_choices"),
        ("rewards_issued", "rewards_issued", "job", "issue_due_rewards"),
    ]
    detail = (await app_client.get(f"/admin/api/referrals/{referral.id}", headers=bearer())).json()
    assert [(r["choice"], r["chosen_by"]) for r in detail["rewards"]] == [("credit", "default")]


async def test_bad_picks_get_clear_errors(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given Ana's menu reward waiting for her pick
    reward = (await ana_earns(runtime, shop, app_client, fake_shopify, clock, 3)).reward

    # When she sends a choice the menu lacks, a reward that is not hers, or a malformed body
    cases = [
        ({"reward": reward.id, "choice": "yacht", "key": "a"}, 422, "unknown_choice"),
        ({"reward": reward.id + 1000, "choice": "credit", "key": "b"}, 404, "unknown_reward"),
        ({"reward": "1", "choice": "credit", "key": "c"}, 422, "invalid_reward"),
        ({"reward": reward.id, "key": "d"}, 422, "invalid_choice"),
        ({"reward": reward.id, "choice": "credit"}, 422, "invalid_key"),
    ]
    for body_sent, status, error in cases:
        answer = await widget(app_client, clock, "pick", **body_sent)
        # Then each gets its status and reason, and nothing is picked
        assert (answer.status_code, answer.json()["error"]) == (status, error), body_sent
    assert await PickRow.filter(reward_id=reward.id).count() == 0
    assert (await Reward.get(id=reward.id)).status == "awaiting_choice"

    # And someone who is not signed in cannot pick at all
    query = proxy_query(clock.now, "", shop=SHOP)
    anon = await app_client.post(
        "/proxy/api/pick", params=query, json={"reward": reward.id, "choice": "credit", "key": "e"}
    )
    assert (anon.status_code, anon.json()["error"]) == (401, "not_signed_in")


def menu_json(**changes: Any) -> dict[str, Any]:
    """The program's JSON with a menu of `changes` on top of MENU's."""
    config = program_to_dict(PROGRAM)
    config["reward_menu"].update(changes)
    return config


async def test_the_program_page_saves_a_menu_and_refuses_bad_ones(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient
) -> None:
    # Given the Program page's API, as the admin's form sends it
    def save_menu(config: dict[str, Any]) -> Any:
        return app_client.put("/admin/api/program", json=config, headers=bearer())

    # When the merchant saves a good menu, it is the live program's
    saved = await save_menu(menu_json())
    assert saved.status_code == 200, saved.text
    live = (await app_client.get("/admin/api/program", headers=bearer())).json()["config"]
    assert [c["choice_id"] for c in live["reward_menu"]["choices"]] == ["credit", "discount"]
    assert live["reward_menu"]["default_after_days"] == 7

    # When a menu is empty, repeats an id, names an unknown default or lacks a label
    twice = program_to_dict(PROGRAM)["reward_menu"]["choices"][0]
    unlabeled = {**twice, "choice_id": "x", "label_es": " "}
    bad = [
        (menu_json(choices=[], default_choice_id="credit"),
         [("reward_menu.choices", "must list at least one choice")]),
        (menu_json(choices=[twice, twice]),
         [("reward_menu.choices[1]", "duplicate choice_id 'credit'")]),
        (menu_json(default_choice_id="yacht"),
         [("reward_menu.default_choice_id",
           "must be one of the choices (credit, discount), got 'yacht'")]),
        (menu_json(choices=[twice, unlabeled]),
         [("reward_menu.choices[1].label_es", "must not be empty")]),
        (menu_json(default_after_days=0),
         [("reward_menu.default_after_days", "must be a positive integer, got 0")]),
    ]  # fmt: skip
    for config, errors in bad:
        answer = await save_menu(config)
        # Then each is refused with the field and what is wrong, and nothing is saved
        assert answer.status_code == 422, answer.text
        assert [(f["path"], f["message"]) for f in answer.json()["fields"]] == errors
    versions = (await app_client.get("/admin/api/program/versions", headers=bearer())).json()
    assert [v["version"] for v in versions["versions"]] == [1]
