"""JSON from outside, parsed with limits: how deep it nests and how large its numbers are.

Python's `json` recurses once per level, so a body of ten thousand `[` raises RecursionError,
and `1e999999` parses as infinity. Every body, callback and stored delivery the connector reads
goes through `loads`, which refuses both with `JSONRejected` (a ValueError, so a caller that
already answers "not JSON" for a ValueError answers it for these too), before anything is parsed.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # a Shopify order nests about 8 levels; nothing we read needs more than 64
# A JSON string (with its escapes), so brackets inside strings are not counted as nesting.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


class JSONRejected(ValueError):
    """The text is not JSON we take: malformed, nested past the limit, or a number out of range.

    `limit` is True when the text is JSON but past a limit (depth, number size): the message
    then says which, and an answer can name it.
    """

    def __init__(self, message: str, *, limit: bool = True) -> None:
        super().__init__(message)
        self.limit = limit


def depth(raw: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (strings are skipped)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b'""', raw))
    level = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRejected(f"the number {text[:40]} is out of range")
    return value


def _constant(name: str) -> Any:
    raise JSONRejected(f"{name} is not a JSON number")


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text; JSONRejected when it is invalid, too deep, or holds an infinite number."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if depth(data) > max_depth:
        raise JSONRejected(f"the JSON nests deeper than {max_depth} levels")
    try:
        return json.loads(data, parse_float=_finite, parse_constant=_constant)
    except JSONRejected:
        raise
    except (ValueError, RecursionError) as exc:
        # ValueError also covers integers past Python's digit limit (4300 digits).
        limit = "digits" in str(exc)
        raise JSONRejected(f"not valid JSON: {exc}", limit=limit) from None
