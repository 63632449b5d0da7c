"""Eligibility rules: which orders can credit a referral. Each rule yields one `Finding`.

Rules: paid, not a test order, not cancelled or fully refunded, in the shop's money (an order
paid in another currency counts at its rate; one without a rate is held), not only excluded
products, at least the minimum subtotal, a new customer, and within the advocate's caps.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from connector.domain.money import Money, pro_rata
from connector.domain.program import Program
from connector.domain.reasons import Finding, Reason, Verdict, blocked, passed
from connector.domain.rules.facts import History, OrderFacts


def excluded_lines_value(order: OrderFacts, program: Program) -> Money:
    """The value of lines whose product or a collection the program excludes."""
    products = set(program.excluded_product_ids)
    collections = set(program.excluded_collection_ids)
    amounts = [
        line.price * line.quantity
        for line in order.line_items
        if line.product_id in products or collections.intersection(line.collection_ids)
    ]
    return Money(sum(amounts, Decimal(0)), order.currency)


def order_value(order: OrderFacts, program: Program) -> Money:
    """The qualifying value: subtotal less excluded lines, scaled down by refunds, never negative."""
    subtotal = order.money(order.subtotal)
    base = subtotal - excluded_lines_value(order, program)
    if base.amount <= 0:
        return Money.zero(order.currency)
    base = base.quantized()
    if order.refunded <= 0 or order.total <= 0:
        return base
    kept = order.money(max(order.total - order.refunded, Decimal(0)))
    return pro_rata(base, kept, order.money(order.total))


def currency_finding(order: OrderFacts, program: Program) -> Finding:
    """Orders are judged in the shop's money: one paid in another currency counts at the rate
    the order carries; one whose amounts are not in shop money (no rate was recorded) is held
    for a person, never compared in two currencies."""
    shop = program.currency
    if order.currency == shop:
        rate = order.exchange_rate
        if order.presentment_currency and order.presentment_currency != shop and rate:
            paid_in = order.presentment_currency
            text = (
                f"Paid in {paid_in}; judged in the shop currency {shop} at the order's rate "
                f"of {rate.normalize():f} {paid_in} per {shop}."
            )
            return passed(
                Reason.CURRENCY_MISMATCH, text, presentment_currency=paid_in,
                exchange_rate=f"{rate.normalize():f}", shop_currency=shop,
            )  # fmt: skip
        return passed(Reason.CURRENCY_MISMATCH, f"The order is in the shop currency {shop}.")
    return Finding(
        Reason.CURRENCY_MISMATCH,
        Verdict.FLAG,
        f"The order is in {order.currency} and carries no exchange rate to the shop currency "
        f"{shop}, so its value cannot be judged: the minimum is not checked and rewards that "
        "follow the order's value come to nothing. The referral waits for a person to review it.",
        {"order_currency": order.currency, "shop_currency": shop},
    )


def _status_findings(order: OrderFacts, program: Program) -> list[Finding]:
    found: list[Finding] = []
    found.append(
        passed(Reason.NOT_PAID, "The order is paid.")
        if order.paid
        else blocked(Reason.NOT_PAID, "The order is not paid yet; it is judged again when paid.")
    )
    found.append(
        blocked(Reason.TEST_ORDER, "This is a test order; test orders never earn rewards.")
        if order.is_test
        else passed(Reason.TEST_ORDER, "This is a real order, not a test.")
    )
    if order.cancelled:
        found.append(blocked(Reason.CANCELLED, "The order was cancelled."))
    if order.fully_refunded:
        found.append(blocked(Reason.REFUNDED, "The order was refunded in full."))
    found.append(currency_finding(order, program))
    return found


def _value_findings(order: OrderFacts, program: Program) -> list[Finding]:
    found: list[Finding] = []
    excluded = excluded_lines_value(order, program)
    value = order_value(order, program)
    if excluded.is_zero():
        found.append(passed(Reason.EXCLUDED_PRODUCT, "No line is an excluded product."))
    elif value.is_zero() and not order.fully_refunded:
        found.append(blocked(Reason.EXCLUDED_PRODUCT, "Every line is an excluded product."))
    else:
        found.append(
            passed(
                Reason.EXCLUDED_PRODUCT,
                f"Excluded products worth {excluded} do not count toward the order's value.",
                excluded=str(excluded.quantized().amount),
            )
        )
    minimum = Money(program.min_subtotal, program.currency)
    detail = {"value": str(value.amount), "minimum": str(minimum.amount)}
    if value >= minimum:
        text = f"The qualifying value {value} meets the minimum of {minimum}."
        found.append(passed(Reason.BELOW_MINIMUM, text, **detail))
    else:
        text = f"The qualifying value {value} is below the minimum of {minimum}."
        found.append(blocked(Reason.BELOW_MINIMUM, text, **detail))
    return found


def new_customer_finding(program: Program, prior_orders: int | None) -> Finding:
    """New customers only: the friend must have no earlier order where the store can tell."""
    if not program.new_customers_only:
        return passed(Reason.NOT_NEW_CUSTOMER, "Returning customers may be referred too.")
    if prior_orders is None:
        return passed(
            Reason.NOT_NEW_CUSTOMER, "The store cannot tell earlier orders; treated as new."
        )
    if prior_orders > 0:
        return blocked(
            Reason.NOT_NEW_CUSTOMER,
            f"The friend already has {prior_orders} earlier order(s); only new customers count.",
            prior_orders=str(prior_orders),
        )
    return passed(Reason.NOT_NEW_CUSTOMER, "The friend is a new customer.")


def cap_findings(
    program: Program, history: History, advocate_id: str, at: datetime
) -> list[Finding]:
    """The advocate's caps: credited referrals per rolling period and for the lifetime."""
    caps = program.caps
    counted = history.counted(advocate_id, at, caps.period_days, program.fraud.velocity_hours)
    found: list[Finding] = []
    if caps.per_period is not None:
        recent = counted.live_in_period
        window = f"{caps.period_days} days"
        if recent >= caps.per_period:
            text = (
                f"Advocate {advocate_id} already has {recent} referrals in {window}; "
                f"the cap is {caps.per_period}."
            )
            found.append(blocked(Reason.CAP_PERIOD, text, count=str(recent)))
        else:
            text = (
                f"Advocate {advocate_id} has {recent} of {caps.per_period} referrals in {window}."
            )
            found.append(passed(Reason.CAP_PERIOD, text, count=str(recent)))
    if caps.lifetime is not None:
        if counted.live >= caps.lifetime:
            text = f"Advocate {advocate_id} reached the lifetime cap of {caps.lifetime} referrals."
            found.append(blocked(Reason.CAP_LIFETIME, text, count=str(counted.live)))
        else:
            text = (
                f"Advocate {advocate_id} has {counted.live} of {caps.lifetime} lifetime referrals."
            )
            found.append(passed(Reason.CAP_LIFETIME, text, count=str(counted.live)))
    return found


def advocate_findings(history: History, advocate_id: str) -> tuple[Finding, ...]:
    """A blocked advocate earns nothing new, and the referral says so."""
    if not history.identity(advocate_id).blocked:
        return ()
    text = "The shop blocked this advocate; a blocked advocate earns nothing new."
    return (blocked(Reason.ADVOCATE_BLOCKED, text),)


def check_order(
    order: OrderFacts, program: Program, history: History, advocate_id: str
) -> tuple[Finding, ...]:
    """Every eligibility rule for crediting `order` to `advocate_id`, in a fixed order."""
    found = _status_findings(order, program) + list(advocate_findings(history, advocate_id))
    if order.currency == program.currency:
        found += _value_findings(order, program)
    found.append(new_customer_finding(program, history.friend_prior_orders))
    found += cap_findings(program, history, advocate_id, order.created_at)
    return tuple(found)
