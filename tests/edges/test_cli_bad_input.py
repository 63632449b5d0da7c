"""Every command, given bad input, answers with one line and a documented exit code: 1 for a
failure (not found, refused), 2 for bad usage (arguments, files, settings); never a traceback."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from connector.cli import build_parser, main
from connector.store.models import Advocate, Shop
from tests.rewards.test_cli import SHOP, seeded
from tests.test_cli import cli_env  # noqa: F401 - the fixture is used by name

BIG = "9" * 20  # a 20-digit id: past the database's 64 bits
NOSHOP = "nope.example"
USAGE_LINE = "connector"  # argparse's own usage errors start with "usage: connector ..."


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every leaf command of the parser, as 'deliveries replay'."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {" ".join(prefix)}
    found: set[str] = set()
    for name, sub in subs[0].choices.items():
        found |= commands(sub, (*prefix, name))
    return found


# (command, argv, exit code, what stderr says). {bad} is a file of invalid JSON, {missing} a
# path that does not exist, {shop} the seeded shop.
CASES: list[tuple[str, list[str], int, str]] = [
    ("serve", ["serve", "--port", "99999"], 2, "must be a port from 1 to 65535"),
    ("demo", ["demo", "--port", "http"], 2, "must be a port from 1 to 65535"),
    ("migrate", ["migrate", "--now"], 2, "unrecognized arguments: --now"),
    ("worker", ["worker", "--concurrency", "0"], 2, "must be a whole number from 1 to 1000000"),
    ("deliveries list", ["deliveries", "list", "--limit", "-5"], 2, "must be a whole number"),
    ("deliveries show", ["deliveries", "show", "999"], 1, "error: no delivery 999"),
    ("deliveries replay", ["deliveries", "replay", "999"], 1, "error: no delivery 999"),
    ("privacy list", ["privacy", "list", "--kind", "all"], 2, "invalid choice: 'all'"),
    ("privacy show", ["privacy", "show", BIG], 2, "must be an id from 1 to"),
    ("generate-key", ["generate-key", "extra"], 2, "unrecognized arguments: extra"),
    ("rotate-keys", ["rotate-keys", "--all"], 2, "unrecognized arguments: --all"),
    ("shopify-config", ["shopify-config", "--output", "{missing}/x.toml"], 1, "No such file or directory"),
    ("reconcile", ["reconcile", "--shop", "{shop}", "--since", "yesterday"], 2, "ISO-8601"),
    ("simulate", ["simulate", "--shop", "{shop}", "{bad}"], 2, "is not valid JSON"),
    ("payouts list", ["payouts", "list", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("payouts export", ["payouts", "export", "--shop", "{shop}", "--until", "2026-13-45"], 2, "ISO-8601"),
    ("payouts paid", ["payouts", "paid", "--shop", "{shop}", "999", "--by", "m"], 1, "error: no cash or donation record 999"),
    ("rewards retry", ["rewards", "retry", "999"], 1, "error: no reward 999"),
    ("loyalty balance", ["loyalty", "balance", "--shop", "{shop}", "--advocate", BIG], 2, "must be an id"),
    ("loyalty import", ["loyalty", "import", "--shop", "{shop}", "{missing}"], 2, "error: cannot read"),
    ("program show", ["program", "show", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("program set", ["program", "set", "--shop", "{shop}", "{missing}"], 2, "error: cannot read"),
    ("program diff", ["program", "diff", "--shop", "{shop}", "7"], 1, "error: the program has no version 7"),
    ("program restore", ["program", "restore", "--shop", "{shop}", "7", "--by", "m"], 1, "error: the program has no version 7"),
    ("advocates list", ["advocates", "list", "--shop", "{shop}", "--status", "gone"], 2, "invalid choice"),
    ("advocates points", ["advocates", "points", "--shop", "{shop}", "999", "5", "--reason", "r", "--by", "m"], 1, "error: no advocate 999"),
    ("advocates grant", ["advocates", "grant", "--shop", "{shop}", "999", "cash", "5", "--reason", "r", "--by", "m"], 1, "error: no advocate 999"),
    ("advocates block", ["advocates", "block", "--shop", "{shop}", BIG, "--by", "m"], 2, "must be an id"),
    ("advocates unblock", ["advocates", "unblock", "--shop", "{shop}", "999", "--by", "m"], 1, "error: no advocate 999"),
    ("advocates enrol", ["advocates", "enrol", "--shop", "{shop}", "--email", "not-an-email"], 2, "error: not an email address"),
    ("referrals list", ["referrals", "list", "--shop", "{shop}", "--since", "last week"], 2, "ISO-8601"),
    ("referrals show", ["referrals", "show", "999"], 1, "error: no referral 999"),
    ("review list", ["review", "list", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("review approve", ["review", "approve", "--shop", "{shop}", "999", "--by", "m"], 1, "has no referral 999"),
    ("review reject", ["review", "reject", "--shop", "{shop}", BIG, "--by", "m"], 2, "must be an id"),
    ("settings show", ["settings", "show", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("settings set", ["settings", "set", "--shop", "{shop}", "{bad}"], 2, "is not valid JSON"),
    ("partners list", ["partners", "list", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("partners enrol", ["partners", "enrol", "--shop", "{shop}", "acme", "--landing", "nolocale"], 2, "must be LOCALE=TEXT"),
    ("blocklist list", ["blocklist", "list", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("blocklist add", ["blocklist", "add", "--shop", "{shop}", "ip", "not-an-ip"], 2, "error: 'not-an-ip' is not an IP address"),
    ("blocklist remove", ["blocklist", "remove", "--shop", "{shop}", "99"], 1, "has no blocklist entry 99"),
    ("messages list", ["messages", "list", "--status", "gone"], 2, "invalid choice: 'gone'"),
    ("messages show", ["messages", "show", "999"], 1, "error: no message 999"),
    ("messages replay", ["messages", "replay", BIG], 2, "must be an id"),
    ("messages send", ["messages", "send", "--now"], 2, "unrecognized arguments: --now"),
    ("export", ["export", "orders", "--shop", "{shop}"], 2, "invalid choice: 'orders'"),
    ("analytics show", ["analytics", "show", "--shop", "{shop}", "--start", "2026-11-31"], 2, "must be a day as YYYY-MM-DD"),
    ("analytics rebuild", ["analytics", "rebuild", "--shop", NOSHOP], 1, f"error: no shop with domain {NOSHOP!r}"),
    ("analytics compact", ["analytics", "compact", "--all"], 2, "unrecognized arguments: --all"),
]  # fmt: skip


def test_every_command_has_a_bad_input_case() -> None:
    assert {name for name, *_ in CASES} == commands(build_parser())


@pytest.fixture
def environment(
    cli_env: dict[str, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """The CLI's environment, with a sandbox shop and its advocate Ana in the database."""

    async def nothing(shop: Shop, ana: Advocate) -> None:
        return None

    seeded(cli_env, nothing)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    return cli_env


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("name", "argv", "code", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_a_documented_exit_code(
    environment: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    argv: list[str],
    code: int,
    says: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hold_days": ')
    paths = {"{bad}": str(bad), "{missing}": str(tmp_path / "missing"), "{shop}": SHOP}
    filled = [paths.get(a, a.replace("{missing}", str(tmp_path / "missing"))) for a in argv]

    got, out, err = _run(filled, capsys)

    assert got == code, err
    assert says in err
    assert "Traceback" not in out + err
    if err.startswith("error: "):
        assert err.count("\n") == 1  # one line
    else:
        assert err.startswith("usage: connector")  # argparse names the argument and the rule


def test_with_json_an_error_is_a_json_object(
    environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = _run(["rewards", "retry", "999", "--json"], capsys)

    assert got == 1
    assert json.loads(out) == {"queued": [], "refused": [{"id": 999, "why": "no reward 999"}]}
    assert json.loads(err) == {"error": "no reward 999", "exit_code": 1}


def test_an_unreachable_database_is_one_line(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")

    got, out, err = _run(["referrals", "show", "1"], capsys)

    assert got == 1
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "is the database up and migrated (connector migrate)?" in err
    assert "Traceback" not in out + err
