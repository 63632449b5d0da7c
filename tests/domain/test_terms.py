"""The program's terms: both languages or none, a page's length at most, and their version is
the program version that first carried their words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from connector.domain.program import (
    Program,
    ProgramError,
    Terms,
    parse_program,
    program_to_dict,
    with_terms_version,
)
from connector.domain.program.presets import FIXED

ES, EN = "Una recompensa por pedido pagado.", "One reward per paid order."


def _next(previous: Program | None, version: int, **changes: object) -> Program:
    """The program saved as `version` after `previous` (FIXED before any), with `changes`."""
    program = replace(previous or FIXED, version=version, **changes)  # type: ignore[arg-type]
    return with_terms_version(program, previous)


def test_new_words_take_the_programs_version_and_unchanged_words_keep_theirs() -> None:
    first = _next(None, 3, terms=Terms(ES, EN, version=99))
    assert first.terms.version == 3
    other_change = _next(first, 4, hold_days=7)
    assert other_change.terms.version == 3
    rewritten = _next(other_change, 5, terms=Terms(ES, "New."))
    assert rewritten.terms.version == 5
    withdrawn = _next(rewritten, 6, terms=Terms())
    assert (withdrawn.terms.version, withdrawn.terms.published) == (0, False)


@pytest.mark.parametrize(
    ("terms", "errors"),
    [
        ({"es": ES}, [("terms.en", "write the terms in English too: shoppers read them in their own language")]),
        ({"en": EN, "es": "  "}, [("terms.es", "write the terms in Spanish too: shoppers read them in their own language")]),
        ({"es": ES, "en": "x" * 20_001}, [("terms.en", "must be at most 20000 characters, got 20001")]),
        ({"es": ES, "en": EN, "version": -1}, [("terms.version", "must be an integer of zero or more, got -1")]),
    ],
)  # fmt: skip
def test_terms_in_one_language_or_too_long_are_refused_naming_the_field(
    terms: dict[str, object], errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(ProgramError) as refused:
        parse_program({**program_to_dict(FIXED), "terms": terms})
    assert list(refused.value.errors) == errors


def test_terms_round_trip_and_read_per_locale() -> None:
    program = parse_program({**program_to_dict(FIXED), "terms": {"es": ES, "en": EN, "version": 2}})
    assert program.terms == Terms(ES, EN, 2)
    assert (program.terms.text("en"), program.terms.text("es"), program.terms.text("fr")) == (EN, ES, ES)
    assert program_to_dict(program)["terms"] == {"es": ES, "en": EN, "version": 2}
    assert program_to_dict(FIXED)["terms"] == {"es": "", "en": "", "version": 0}
