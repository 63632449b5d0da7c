"""Frozen configuration dataclasses to JSON-safe dicts and back, with a path on every error.

The field types drive both directions, so whatever `encode` writes `decode` reads back equal.
Supported field types: str, int, bool, Decimal (as a string), timezone-aware datetime (ISO-8601),
StrEnum, `X | None`, `tuple[X, ...]`, `dict[str, X]` (a JSON object) and nested dataclasses. A field may carry a check in its
metadata (`field(metadata=rule(positive))`) that names what the value must be.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")
Check = Callable[[Any], str | None]
FieldError = tuple[str, str]
# Bounds of every number in a configuration: far past any real program, well inside what
# dates, the database's NUMERIC columns and the stores accept (1e999999 is "finite" too).
MAX_INT = 1_000_000
MAX_DECIMAL = Decimal(10) ** 12
MAX_PLACES = 6


class ProgramError(ValueError):
    """A program configuration is invalid; `errors` lists `(path, message)` for every bad field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors))


def rule(check: Check) -> dict[str, Check]:
    """Field metadata attaching a check that returns what the value must be when it is not."""
    return {"check": check}


def _number(value: Decimal | int) -> str:
    return "decimal" if isinstance(value, Decimal) else "integer"


def positive(value: Decimal | int) -> str | None:
    """Must be greater than zero."""
    return None if value > 0 else f"must be a positive {_number(value)}"


def non_negative(value: Decimal | int) -> str | None:
    """Must be zero or more."""
    noun = _number(value)
    article = "an" if noun[0] in "aeiou" else "a"
    return None if value >= 0 else f"must be {article} {noun} of zero or more"


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _decode_scalar(tp: Any, raw: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, what the value must be)."""
    if tp is bool:
        return (raw, None) if isinstance(raw, bool) else (None, "must be true or false")
    if tp is int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            return None, "must be an integer"
        if abs(raw) > MAX_INT:
            return None, f"must be an integer from {-MAX_INT} to {MAX_INT}"
        return raw, None
    if tp is str:
        return (raw, None) if isinstance(raw, str) else (None, "must be a string")
    if tp is Decimal:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            return None, "must be a decimal written as a string (floats are inexact)"
        if isinstance(raw, str) and len(raw) > 40:
            return None, "must be a decimal of at most 40 characters"
        try:
            value = Decimal(raw)
        except (InvalidOperation, ValueError):
            return None, "must be a decimal"
        if not value.is_finite():
            return None, "must be a finite decimal"
        if not abs(value) < MAX_DECIMAL:
            return None, f"must be less than {MAX_DECIMAL:f} in size"
        if value != value.quantize(Decimal(1).scaleb(-MAX_PLACES), rounding="ROUND_DOWN"):
            return None, f"must have at most {MAX_PLACES} decimal places"
        return value, None
    if tp is datetime:
        try:
            when = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            return None, "must be an ISO-8601 time with a UTC offset"
        return when, None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        choices = [member.value for member in tp]
        if raw in choices:
            return tp(raw), None
        return None, "must be one of " + ", ".join(repr(c) for c in choices)
    raise TypeError(f"codec cannot decode {tp!r}")  # a programming error in a config class


def _decode(tp: Any, raw: Any, path: str, errors: list[FieldError]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if raw is None:
            return None
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _decode(inner, raw, path, errors)
    if origin is tuple:
        if not isinstance(raw, list | tuple):
            errors.append((path, f"must be a list, got {raw!r}"))
            return ()
        inner = typing.get_args(tp)[0]
        return tuple(_decode(inner, item, _join(path, i), errors) for i, item in enumerate(raw))
    if origin is dict:
        if not isinstance(raw, Mapping):
            errors.append((path, f"must be an object, got {raw!r}"))
            return {}
        inner = typing.get_args(tp)[1]
        return {str(k): _decode(inner, v, _join(path, str(k)), errors) for k, v in raw.items()}
    if dataclasses.is_dataclass(tp):
        return decode(typing.cast(type[Any], tp), raw, path, errors)
    value, problem = _decode_scalar(tp, raw)
    if problem is not None:
        errors.append((path, f"{problem}, got {raw!r}"))
    return value


def decode(cls: type[T], raw: Any, path: str, errors: list[FieldError]) -> T:
    """Build `cls` from a mapping, appending `(path, message)` to `errors` for every bad field."""
    if not isinstance(raw, Mapping):
        errors.append((path or "(root)", f"must be an object, got {raw!r}"))
        return typing.cast(T, None)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(typing.cast(Any, cls))}
    for key in sorted(set(raw) - known, key=str):
        errors.append((_join(path, str(key)), "is not a known field"))
    values: dict[str, Any] = {}
    for f in dataclasses.fields(typing.cast(Any, cls)):
        where = _join(path, f.name)
        if f.name not in raw:
            no_default = (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            if no_default:
                errors.append((where, "is required"))
            continue
        before = len(errors)
        value = _decode(hints[f.name], raw[f.name], where, errors)
        check: Check | None = f.metadata.get("check")
        if check is not None and len(errors) == before and value is not None:
            problem = check(value)
            if problem is not None:
                errors.append((where, f"{problem}, got {raw[f.name]!r}"))
        values[f.name] = value
    if len(errors):
        return typing.cast(T, None)
    return cls(**values)


def encode(value: Any) -> Any:
    """A JSON-safe form of a config value: Decimals and datetimes as strings, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # An empty object field is left out: it reads back as its default, and every form
        # written before the field existed stays the same.
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) != {}
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value
