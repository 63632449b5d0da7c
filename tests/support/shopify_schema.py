"""Shopify's Admin GraphQL schema for tests: load it once, check documents and variables against it.

The schema file comes from SHOPIFY_ADMIN_SCHEMA, else ../shared/shopify/admin-schema-2026-04.json
beside the repository. Without it the tests that need it are skipped, saying why; on CI (CI set)
they fail instead, so a missing file can never turn the schema checks off silently.

`validate_operation` is stricter than Shopify in two ways, on purpose: scalars that carry money,
times and 64-bit counts must be strings (never floats or bare numbers), and deprecated fields and
input fields are refused unless asked for.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_client_schema,
    parse,
    specified_rules,
    validate,
)
from graphql.pyutils import Undefined
from graphql.utilities import coerce_input_value, get_operation_ast, type_from_ast
from graphql.validation import NoDeprecatedCustomRule

try:  # graphql-core 3.3 reports coercion errors through a separate validator.
    from graphql.utilities import validate_input_value
except ImportError:  # graphql-core 3.2: coerce_input_value takes an on_error callback.
    validate_input_value = None  # type: ignore[assignment]

SCHEMA_ENV = "SHOPIFY_ADMIN_SCHEMA"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "shopify" / "admin-schema-2026-04.json"

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


class InvalidOperation(AssertionError):
    """A document or its variables would be refused by Shopify (or by our stricter rules)."""

    def __init__(self, problems: list[str], document: str) -> None:
        super().__init__("invalid Admin GraphQL operation:\n  " + "\n  ".join(problems))
        self.problems = problems
        self.document = document


@dataclass(frozen=True)
class CheckedOperation:
    """A document that passed: its AST, its operation, and the coerced variables."""

    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]


def schema_path() -> Path:
    """Where the schema file is expected."""
    explicit = os.environ.get(SCHEMA_ENV)
    return Path(explicit) if explicit else DEFAULT_SCHEMA


def on_ci() -> bool:
    """True on CI, where a missing schema is a failure rather than a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> NoReturn:
    if on_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def _strict_string(name: str, check: Any) -> Any:
    def coerce(value: Any) -> Any:
        if not isinstance(value, str) or not check(value):
            raise GraphQLError(f"{name} must be a string in its format, got {value!r}")
        return value

    return coerce


def _is_iso_datetime(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


_STRICT_SCALARS = {
    "Decimal": lambda v: bool(_DECIMAL.fullmatch(v)),
    "Money": lambda v: bool(_DECIMAL.fullmatch(v)),
    "UnsignedInt64": str.isdigit,
    "DateTime": _is_iso_datetime,
    "URL": bool,
}


@functools.cache
def _load(path: str) -> GraphQLSchema:
    with open(path, encoding="utf-8") as handle:
        introspection = json.load(handle)
    # graphql-core 3.3 rejects a few of Shopify's deprecation mismatches unless told to trust it.
    schema = build_client_schema(introspection["data"], assume_valid=True)
    for name, check in _STRICT_SCALARS.items():
        scalar = schema.get_type(name)
        assert isinstance(scalar, GraphQLScalarType), name
        coerce = _strict_string(name, check)
        # 3.2 calls parse_value, 3.3 calls coerce_input_value: set both.
        scalar.parse_value = coerce  # type: ignore[method-assign]
        scalar.coerce_input_value = coerce
    return schema


def admin_schema() -> GraphQLSchema:
    """The Admin GraphQL schema (built once per session); skip, or fail on CI, when absent."""
    path = schema_path()
    if not path.is_file():
        _unavailable(f"Shopify Admin schema not found at {path}; set {SCHEMA_ENV} to its path")
    return _load(str(path))


def _coercion_errors(value: Any, type_: GraphQLInputType, name: str) -> list[str]:
    errors: list[str] = []
    if validate_input_value is None:
        coerce_input_value(
            value,
            type_,
            lambda path, _invalid, error: errors.append(
                f"${name}{''.join(f'.{p}' for p in path)}: {error.message}"
            ),
        )
        return errors
    if coerce_input_value(value, type_) is Undefined:
        validate_input_value(
            value,
            type_,
            lambda error, path: errors.append(
                f"${name}{''.join(f'.{p}' for p in path)}: {error.message}"
            ),
        )
        return errors or [f"${name}: not a valid {type_}"]
    return errors


def _deprecated_inputs(value: Any, type_: Any, path: str) -> list[str]:
    """Deprecated input fields used anywhere inside a variable's value."""
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList) and isinstance(value, list):
        return [
            p
            for i, item in enumerate(value)
            for p in _deprecated_inputs(item, type_.of_type, f"{path}[{i}]")
        ]
    if not (isinstance(type_, GraphQLInputObjectType) and isinstance(value, Mapping)):
        return []
    found = []
    for key, item in value.items():
        input_field = type_.fields.get(key)
        if input_field is None:
            continue
        if input_field.deprecation_reason:
            found.append(f"{path}.{key} is deprecated: {input_field.deprecation_reason}")
        found.extend(_deprecated_inputs(item, input_field.type, f"{path}.{key}"))
    return found


def validate_operation(
    document: str,
    variables: Mapping[str, Any] | None = None,
    *,
    operation_name: str | None = None,
    allow_deprecated: bool = False,
) -> CheckedOperation:
    """Parse and validate `document` and coerce each variable to its declared type.

    `variables=None` checks the document alone; a mapping (even empty) is checked as the values
    sent. Raises InvalidOperation listing every problem (a syntax error, an unknown field, a
    missing or mistyped variable, an undeclared variable, a deprecated field or input field).
    """
    schema = admin_schema()
    try:
        ast = parse(document)
    except GraphQLError as exc:
        raise InvalidOperation([exc.message], document) from exc
    rules = [*specified_rules] if allow_deprecated else [*specified_rules, NoDeprecatedCustomRule]
    problems = [error.message for error in validate(schema, ast, rules)]
    operation = get_operation_ast(ast, operation_name)
    if operation is None:
        problems.append("the document has no (single) operation to run")
    if problems or operation is None:
        raise InvalidOperation(problems, document)
    if variables is None:
        return CheckedOperation(ast, operation, {})
    given = dict(variables)
    coerced: dict[str, Any] = {}
    definitions = operation.variable_definitions or ()
    for definition in definitions:
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if name not in given:
            if isinstance(type_, GraphQLNonNull) and definition.default_value is None:
                problems.append(f"${name} ({type_}) is required but was not given")
            continue
        errors = _coercion_errors(given[name], type_, name)  # type: ignore[arg-type]
        problems.extend(errors)
        if not errors:
            coerced[name] = coerce_input_value(given[name], type_)  # type: ignore[arg-type]
        if not allow_deprecated:
            problems.extend(_deprecated_inputs(given[name], type_, f"${name}"))
    declared = {d.variable.name.value for d in definitions}
    problems.extend(f"${name} is not declared by the operation" for name in given.keys() - declared)
    if problems:
        raise InvalidOperation(problems, document)
    return CheckedOperation(ast, operation, coerced)
