"""What changed between two saved versions of a program, field by field, in their JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Every version has its own number: that is not a change of the rules.
IGNORED = frozenset({"version"})


@dataclass(frozen=True)
class Change:
    """One field that differs: its dotted path (list items by index), and both values."""

    path: str
    before: Any
    after: Any


def config_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Every field whose value differs between two program configs, in a stable order.

    Objects are compared field by field and lists item by item, so a changed reward value reads
    `advocate_reward.value`, not a whole new `advocate_reward`. A field only one side has is a
    change from or to null.
    """
    found: list[Change] = []
    _walk("", before, after, found)
    return found


def _walk(path: str, before: Any, after: Any, found: list[Change]) -> None:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after)):
            if path or key not in IGNORED:
                _walk(f"{path}.{key}" if path else key, before.get(key), after.get(key), found)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _walk(f"{path}[{index}]", old, new, found)
    elif before != after:
        found.append(Change(path, before, after))
