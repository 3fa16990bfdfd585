"""Amounts in words: ``$1.82M``, ``€675k``, ``+CHF 950``, in the scenario's currency.

Written once here so that findings composed in the simulator (reviews, check-ins)
and the reports of the front door read an amount the same way.
"""

from __future__ import annotations

__all__ = ["CURRENCY_SIGNS", "currency_sign", "money_amount", "money_change", "money_text"]

#: Signs of the common currencies; any other ISO code is written before the amount.
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}


def currency_sign(currency: str) -> str:
    """The sign written before an amount: ``$`` for USD, ``CHF `` for a code without one."""
    return CURRENCY_SIGNS.get(currency, f"{currency} ")


def money_text(x: float, currency: str = "USD") -> str:
    """An amount for a sentence: ``$1.82M``, ``€675k``, ``CHF 950``; a negative amount
    as ``-$1.82M``."""
    if x < 0:
        return "-" + money_text(-x, currency)
    sign = currency_sign(currency)
    if x >= 1e6:
        return f"{sign}{x / 1e6:,.2f}M"
    if x >= 1e3:
        return f"{sign}{x / 1e3:,.0f}k"
    return f"{sign}{x:,.0f}"


def money_amount(x: float, currency: str = "USD") -> str:
    """An amount to the unit, for tables and limits: ``$2,455,000``, ``-€1,200``,
    ``CHF 950``."""
    return f"{'-' if x < 0 else ''}{currency_sign(currency)}{abs(x):,.0f}"


def money_change(x: float, currency: str = "USD") -> str:
    """A change in an amount, always signed: ``+$382k``, ``-$14k``, ``+$0``."""
    return ("-" if x < 0 else "+") + money_text(abs(x), currency)
