"""What WooCommerce accepts in a coupon create/update body, written from the documented facts.

Facts (docs/platforms.md, Part 2 §3: the coupon properties and the store's `OPTIONS /coupons`):
every writable property with its JSON types and enums; read-only properties; amounts as
numbers or numeric strings; limits as integers (never null: WordPress validates the type before
WooCommerce sees the value); `date_expires` a date-time string or null. `date_expires_gmt` is
listed but WooCommerce has no setter for it, so a value sent there is silently dropped: we count
it as a mistake. WordPress ignores unknown properties silently too: also a mistake here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
READ_ONLY = frozenset(
    {
        "id",
        "usage_count",
        "used_by",
        "date_created",
        "date_created_gmt",
        "date_modified",
        "date_modified_gmt",
    }
)
IGNORED_ON_WRITE = frozenset({"date_expires_gmt"})
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_or_numeric_string(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_NUMERIC.fullmatch(value))
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_or_null(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


def _meta_entry(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("key"), str) and "value" in value


_string: Callable[[Any], bool] = lambda value: isinstance(value, str)  # noqa: E731
_boolean: Callable[[Any], bool] = lambda value: isinstance(value, bool)  # noqa: E731

# property -> (what the type must be, in words; the check)
WRITABLE: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "code": ("string", _string),
    "amount": ("number or numeric string", _number_or_numeric_string),
    "status": ("string", _string),
    "discount_type": (f"one of {DISCOUNT_TYPES}", lambda v: v in DISCOUNT_TYPES),
    "description": ("string", _string),
    "date_expires": ("date-time string or null", _date_or_null),
    "individual_use": ("boolean", _boolean),
    "product_ids": ("array of integers", _list_of(_is_int)),
    "excluded_product_ids": ("array of integers", _list_of(_is_int)),
    "usage_limit": ("integer", _is_int),
    "usage_limit_per_user": ("integer", _is_int),
    "limit_usage_to_x_items": ("integer", _is_int),
    "free_shipping": ("boolean", _boolean),
    "product_categories": ("array of integers", _list_of(_is_int)),
    "excluded_product_categories": ("array of integers", _list_of(_is_int)),
    "exclude_sale_items": ("boolean", _boolean),
    "minimum_amount": ("number or numeric string", _number_or_numeric_string),
    "maximum_amount": ("number or numeric string", _number_or_numeric_string),
    "email_restrictions": ("array of strings", _list_of(_string)),
    "meta_data": ("array of {key, value}", _list_of(_meta_entry)),
}


def coupon_problems(body: Any, *, creating: bool) -> list[str]:
    """Every way `body` breaks the coupon schema; empty when WooCommerce takes it as meant."""
    if not isinstance(body, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    if creating and not body.get("code"):
        problems.append("code is required")
    for name, value in body.items():
        if name in READ_ONLY:
            problems.append(f"{name} is read-only")
        elif name in IGNORED_ON_WRITE:
            problems.append(f"{name} is ignored on write (set date_expires with an offset)")
        elif name not in WRITABLE:
            problems.append(f"{name} is not a coupon property")
        else:
            expected, check = WRITABLE[name]
            if not check(value):
                problems.append(f"{name} must be {expected}, got {value!r}")
    return problems


# A customer's writable properties (WooCommerce REST API docs, "Customer properties"): the
# connector only ever writes `meta_data`, each entry a `{key, value}` that WooCommerce adds,
# or updates when the customer has that key already.
CUSTOMER_WRITABLE: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "email": ("string", _string),
    "first_name": ("string", _string),
    "last_name": ("string", _string),
    "username": ("string", _string),
    "password": ("string", _string),
    "billing": ("object", lambda v: isinstance(v, Mapping)),
    "shipping": ("object", lambda v: isinstance(v, Mapping)),
    "meta_data": ("array of {key, value}", _list_of(_meta_entry)),
}


def customer_problems(body: Any) -> list[str]:
    """Every way `body` breaks the customer update schema; empty when WooCommerce takes it."""
    if not isinstance(body, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    for name, value in body.items():
        if name not in CUSTOMER_WRITABLE:
            problems.append(f"{name} is not a writable customer property")
        elif not CUSTOMER_WRITABLE[name][1](value):
            problems.append(f"{name} must be {CUSTOMER_WRITABLE[name][0]}, got {value!r}")
    return problems
