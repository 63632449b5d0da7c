"""The admin's operations from the command line, as an operator runs them: a real process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.referrals.helpers import PROGRAM, SHOP
from tests.referrals.test_cli import _shop_with_a_referral
from tests.test_cli import cli_env, run_cli

__all__ = ["cli_env"]  # the fixture, used by name below


def test_advocates_are_searched_adjusted_and_blocked(cli_env: dict[str, str]) -> None:
    _shop_with_a_referral(cli_env)

    found = run_cli(cli_env, "advocates", "list", "--shop", SHOP, "--search", "ana@")
    added = run_cli(
        cli_env, "advocates", "points", "--shop", SHOP, "1", "40", "--reason", "Welcome",
        "--by", "maria", "--key", "once",
    )  # fmt: skip
    again = run_cli(
        cli_env, "advocates", "points", "--shop", SHOP, "1", "40", "--reason", "Welcome",
        "--by", "maria", "--key", "once",
    )  # fmt: skip
    too_many = run_cli(
        cli_env, "advocates", "points", "--shop", SHOP, "1", "-50", "--reason", "x", "--by", "m"
    )
    granted = run_cli(
        cli_env, "advocates", "grant", "--shop", SHOP, "1", "store_credit", "5.00",
        "--reason", "Sorry", "--by", "maria",
    )  # fmt: skip
    blocked = run_cli(cli_env, "advocates", "block", "--shop", SHOP, "1", "--by", "maria")
    listed = run_cli(cli_env, "advocates", "list", "--shop", SHOP, "--status", "blocked")

    assert "ana@example.org" in found.stdout
    assert added.stdout.strip() == "adjustment 1 recorded; points now 40"
    assert again.stdout.strip() == "adjustment 1 already recorded (same --key); points now 40"
    assert (too_many.returncode, too_many.stderr) == (
        2, "error: points: would take the balance below zero: the advocate has 40\n"
    )
    assert granted.stdout.strip() == "adjustment 2 recorded, reward 1; points now 40"
    assert blocked.stdout.strip() == "advocate 1 is blocked (recorded)"
    assert "ana@example.org" in listed.stdout


def test_program_versions_are_compared_and_restored(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _shop_with_a_referral(cli_env)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**PROGRAM, "hold_days": 30}))
    run_cli(cli_env, "program", "set", "--shop", SHOP, str(changed))

    diff = run_cli(cli_env, "program", "diff", "--shop", SHOP, "1")
    restored = run_cli(cli_env, "program", "restore", "--shop", SHOP, "1", "--by", "maria")

    assert diff.stdout.splitlines() == ["version 1 -> 2: 1 change(s)", "  hold_days: 14 -> 30"]
    assert restored.stdout.strip() == f"saved version 3 of {SHOP}'s program"


def test_settings_and_partners(cli_env: dict[str, str], tmp_path: Path) -> None:
    _shop_with_a_referral(cli_env)
    change, bad = tmp_path / "change.json", tmp_path / "bad.json"
    change.write_text(json.dumps({"ref_param": "amigo", "consent": "ask"}))
    bad.write_text(json.dumps({"consent": "maybe"}))

    saved = run_cli(cli_env, "settings", "set", "--shop", SHOP, str(change))
    refused = run_cli(cli_env, "settings", "set", "--shop", SHOP, str(bad))
    shown = run_cli(cli_env, "settings", "show", "--shop", SHOP)
    partners = run_cli(cli_env, "partners", "enrol", "--shop", SHOP, "acme", "--landing", "es=Hola")

    assert saved.returncode == 0, saved.stderr
    assert (json.loads(shown.stdout)["ref_param"], json.loads(shown.stdout)["consent"]) == (
        "amigo", "ask"
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: consent: must be one of")
    # The test program has no partners: the command says which it has.
    assert (partners.returncode, partners.stderr) == (
        2, "error: partner_id: The program has no partner 'acme' (it has none).\n"
    )
