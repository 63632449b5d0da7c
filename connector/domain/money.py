"""Exact money: a `Decimal` amount in an ISO-4217 currency, quantized by the currency's minor unit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from fractions import Fraction

# Minor units that differ from the usual two decimals; anything not listed has 2.
_MINOR_UNITS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined: a broken invariant, not a rule."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


def is_currency(code: str) -> bool:
    """True for a three-letter upper-case currency code."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


def minor_units(currency: str) -> int:
    """How many decimals the currency's smallest unit has (JPY 0, KWD 3, most 2)."""
    return _MINOR_UNITS.get(currency, 2)


def quantum(currency: str) -> Decimal:
    """The currency's smallest unit as a Decimal, e.g. Decimal('0.01')."""
    return Decimal(1).scaleb(-minor_units(currency))


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount in one currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise TypeError(f"Money.amount must be a finite Decimal, got {self.amount!r}")
        if not is_currency(self.currency):
            raise ValueError(f"not an ISO-4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in `currency`."""
        return cls(Decimal(0).quantize(quantum(currency)), currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Money from a string, int or Decimal (never a float), quantized to the minor unit."""
        if isinstance(amount, float):
            raise TypeError("floats are inexact; pass a string or Decimal")
        return cls(Decimal(amount), currency).quantized()

    def quantized(self) -> Money:
        """This amount cut down to the currency's minor unit (never rounds up)."""
        return Money(
            self.amount.quantize(quantum(self.currency), rounding=ROUND_DOWN), self.currency
        )

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """This amount multiplied by an exact factor, quantized down to the minor unit."""
        return Money(self.amount * Decimal(factor), self.currency).quantized()

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.quantized().amount} {self.currency}"


def total(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """The sum of amounts that must all be in `currency`."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def pro_rata(amount: Money, part: Money, whole: Money) -> Money:
    """`amount * part / whole`, exact then cut down to the minor unit, so shares never exceed it."""
    amount._same(part)
    part._same(whole)
    if whole.amount <= 0:
        raise ValueError(f"pro_rata needs a positive whole, got {whole}")
    if not Decimal(0) <= part.amount <= whole.amount:
        raise ValueError(f"pro_rata needs 0 <= part <= whole, got {part} of {whole}")
    # Fractions keep the division exact, so cutting down never rounds up by accident.
    share = Fraction(amount.amount) * Fraction(part.amount) / Fraction(whole.amount)
    step = Fraction(quantum(amount.currency))
    units = math.trunc(share / step)
    return Money(Decimal(units) * quantum(amount.currency), amount.currency)


def is_rate(rate: object) -> bool:
    """True for an exchange rate we can divide by: a finite, positive Decimal (never a float)."""
    return isinstance(rate, Decimal) and rate.is_finite() and rate > 0


def to_shop_money(amount: Decimal, rate: Decimal, shop_currency: str) -> Money:
    """An amount in the buyer's currency as shop money: `amount / rate`, where `rate` is the
    buyer's units per one unit of the shop's currency, rounded half-even to the shop's minor unit
    (as the stores show their own converted amounts)."""
    if not is_rate(rate):
        raise ValueError(f"an exchange rate must be a positive Decimal, got {rate!r}")
    exact = Decimal(amount) / rate
    return Money(exact.quantize(quantum(shop_currency), rounding=ROUND_HALF_EVEN), shop_currency)


def from_shop_money(amount: Money, rate: Decimal, currency: str) -> Money:
    """Shop money in another currency at `rate` (its units per one shop unit), cut down to that
    currency's minor unit: a reward converted never gives more than the program says."""
    if not is_rate(rate):
        raise ValueError(f"an exchange rate must be a positive Decimal, got {rate!r}")
    return Money(amount.amount * rate, currency).quantized()
