"""The blocklist in the admin API and the CLI: entries are validated with a message naming the
field, listed once (a repeat answers 200 with the same entry), shown newest first, removed, and
kept per shop. The IP address is compared as a hash; the merchant sees what they typed."""

from __future__ import annotations

import hashlib

import httpx

from connector.store.models import BlockEntry, Shop
from tests.admin.conftest import bearer
from tests.referrals.helpers import SHOP
from tests.referrals.test_cli import _shop_with_a_referral
from tests.test_cli import cli_env, run_cli

__all__ = ["cli_env"]  # the fixture, used by name below


async def test_entries_are_added_once_listed_and_removed(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    add = {"kind": "ip", "value": " 203.0.113.7 ", "note": "card testing"}

    first = await app_client.post("/admin/api/blocklist", json=add, headers=bearer())
    again = await app_client.post("/admin/api/blocklist", json=add, headers=bearer())
    await app_client.post(
        "/admin/api/blocklist", json={"kind": "email", "value": "Bad.Guy+x@Gmail.com"},
        headers=bearer(),
    )  # fmt: skip
    listed = await app_client.get("/admin/api/blocklist", headers=bearer())

    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    entries = listed.json()["entries"]
    assert [(e["kind"], e["label"], e["note"]) for e in entries] == [
        ("email", "Bad.Guy+x@Gmail.com", ""), ("ip", "203.0.113.7", "card testing"),
    ]  # fmt: skip
    assert entries[1]["created_by"] != ""
    stored = await BlockEntry.get(kind="ip")
    assert stored.value == hashlib.sha256(b"203.0.113.7").hexdigest()
    assert (await BlockEntry.get(kind="email")).value == "badguy@gmail.com"

    removed = await app_client.delete(f"/admin/api/blocklist/{stored.id}", headers=bearer())
    gone = await app_client.delete(f"/admin/api/blocklist/{stored.id}", headers=bearer())
    assert (removed.status_code, removed.json()) == (200, {"deleted": stored.id})
    assert (gone.status_code, gone.json()) == (404, {"error": f"no blocklist entry {stored.id}"})
    assert await BlockEntry.filter(kind="ip").count() == 0


async def test_a_bad_entry_is_422_naming_the_field_and_nothing_is_stored(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    cases = {
        ("ip", "999.1.1.1"): "'999.1.1.1' is not an IP address",
        ("email", "nobody"): "'nobody' is not an email address",
        ("domain", "localhost"): "'localhost' is not an email domain (like example.com)",
        ("address", "9 Elm Road"): "an address is written as its street, a comma, then its postcode",
    }
    for (kind, value), message in cases.items():
        answer = await app_client.post(
            "/admin/api/blocklist", json={"kind": kind, "value": value}, headers=bearer()
        )
        assert (answer.status_code, answer.json()["fields"]) == (
            422, [{"path": "value", "message": message}],
        )  # fmt: skip
    wrong_kind = await app_client.post(
        "/admin/api/blocklist", json={"kind": "phone", "value": "1"}, headers=bearer()
    )
    assert wrong_kind.json()["fields"] == [
        {"path": "kind", "message": "must be one of email, domain, customer, ip, address"}
    ]
    assert await BlockEntry.all().count() == 0


def test_the_cli_adds_lists_and_removes_entries(cli_env: dict[str, str]) -> None:
    _shop_with_a_referral(cli_env)

    added = run_cli(cli_env, "blocklist", "add", "--shop", SHOP, "domain", "@Spam.test",
                    "--note", "bots", "--by", "maria")  # fmt: skip
    bad = run_cli(cli_env, "blocklist", "add", "--shop", SHOP, "ip", "not-an-ip")
    listed = run_cli(cli_env, "blocklist", "list", "--shop", SHOP)
    removed = run_cli(cli_env, "blocklist", "remove", "--shop", SHOP, "1")
    missing = run_cli(cli_env, "blocklist", "remove", "--shop", SHOP, "1")

    assert added.stdout.strip() == "domain spam.test added (entry 1)", added.stderr
    assert (bad.returncode, bad.stderr) == (2, "error: 'not-an-ip' is not an IP address\n")
    assert "spam.test" in listed.stdout
    assert "maria" in listed.stdout
    assert removed.stdout.strip() == "blocklist entry 1 removed"
    assert (missing.returncode, missing.stderr) == (
        1, f"error: {SHOP} has no blocklist entry 1\n",
    )  # fmt: skip
