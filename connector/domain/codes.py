"""Readable codes: friend codes like ``ANA-7KQ4`` and deterministic reward codes.

The random and HMAC parts use an alphabet without characters people confuse when reading a
code aloud or off a screen (no 0/O, 1/I/L). Uniqueness per shop is the database's job (a unique
constraint); a collision is retried with a new random suffix.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
FALLBACK_PREFIX = "FRIEND"
PREFIX_MAX = 8
# Letters that Unicode does not decompose into an ASCII base letter.
_FOLD = str.maketrans({"Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "ß": "ss", "Œ": "OE",
                       "œ": "oe", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th"})  # fmt: skip
_DASHES = re.compile(r"[\u2010-\u2015\u2212_]")
_NOT_CODE = re.compile(r"[^A-Z0-9-]")


def ascii_prefix(name: str, limit: int = PREFIX_MAX) -> str:
    """The first word of `name` folded to upper-case ASCII letters and digits, cut to `limit`."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD))
    folded = decomposed.encode("ascii", "ignore").decode("ascii")
    for word in folded.split():
        cleaned = re.sub(r"[^A-Za-z0-9]", "", word).upper()
        if cleaned:
            return cleaned[:limit]
    return FALLBACK_PREFIX


def random_chars(length: int, rng: random.Random) -> str:
    """`length` characters drawn from the unambiguous alphabet."""
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def friend_code(name: str, rng: random.Random | None = None, length: int = 4) -> str:
    """A readable friend code: the advocate's name prefix, a dash, and a random suffix."""
    source = rng if rng is not None else secrets.SystemRandom()
    return f"{ascii_prefix(name)}-{random_chars(length, source)}"


def _encode(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def reward_code(key: bytes, idempotency_key: str, prefix: str, length: int = 10) -> str:
    """A deterministic reward code: HMAC of the idempotency key, in the unambiguous alphabet."""
    digest = hmac.new(key, idempotency_key.encode("utf-8"), hashlib.sha256).digest()
    body = _encode(digest, length)
    halves = f"{body[: length // 2]}-{body[length // 2 :]}"
    return f"{ascii_prefix(prefix)}-{halves}"


def gift_card_code(key: bytes, idempotency_key: str, prefix: str = "GIFT") -> str:
    """A deterministic gift card code: letters and digits only, 16 long (stores take 8 to 20)."""
    digest = hmac.new(key, idempotency_key.encode("utf-8"), hashlib.sha256).digest()
    head = ascii_prefix(prefix, 4)
    return head + _encode(digest, 16 - len(head))


def normalize_code(code: str) -> str:
    """The form codes are matched in: trimmed, upper-case, dashes unified, no spaces."""
    text = unicodedata.normalize("NFKC", code).strip().upper()
    text = _DASHES.sub("-", text)
    return _NOT_CODE.sub("", text)
