import random

from hypothesis import given
from hypothesis import strategies as st

from connector.domain.codes import ALPHABET, ascii_prefix, friend_code, normalize_code, reward_code


def test_alphabet_has_no_ambiguous_characters():
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_friend_code_is_a_name_prefix_and_a_random_suffix():
    code = friend_code("Ana Pérez", random.Random(7))
    prefix, suffix = code.split("-")
    assert prefix == "ANA"
    assert len(suffix) == 4
    assert set(suffix) <= set(ALPHABET)


def test_friend_code_is_reproducible_with_a_seeded_rng_and_varies_without_one():
    assert friend_code("ana", random.Random(1)) == friend_code("ana", random.Random(1))
    assert len({friend_code("ana") for _ in range(20)}) > 1


def test_prefix_is_ascii_folded_upper_cased_and_limited():
    assert ascii_prefix("José María") == "JOSE"
    assert ascii_prefix("Ærøskøbing Bakery") == "AEROSKOB"
    assert ascii_prefix("Łukasz") == "LUKASZ"
    assert ascii_prefix("Bartholomew-Alexander") == "BARTHOLO"
    assert ascii_prefix("") == "FRIEND"
    assert ascii_prefix("王小明") == "FRIEND"


def test_reward_code_is_deterministic_readable_and_keyed():
    code = reward_code(b"k1", "rw_abc", "thanks")
    assert code == reward_code(b"k1", "rw_abc", "thanks")
    assert code.startswith("THANKS-")
    body = code.removeprefix("THANKS-").replace("-", "")
    assert len(body) == 10
    assert set(body) <= set(ALPHABET)
    assert reward_code(b"k2", "rw_abc", "thanks") != code


def test_normalize_code_ignores_case_spaces_and_dash_variants():
    assert normalize_code("  ana–7kq4 ") == "ANA-7KQ4"
    assert normalize_code("ana 7kq4") == "ANA7KQ4"
    assert normalize_code("Ana_7KQ4") == "ANA-7KQ4"


@given(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=30, unique=True))
def test_reward_codes_are_stable_and_distinct_for_distinct_keys(keys):
    codes = [reward_code(b"secret", key, "R") for key in keys]
    assert codes == [reward_code(b"secret", key, "R") for key in keys]
    assert len(set(codes)) == len(codes)


@given(st.text(max_size=40))
def test_normalize_code_is_idempotent(text):
    assert normalize_code(normalize_code(text)) == normalize_code(text)
