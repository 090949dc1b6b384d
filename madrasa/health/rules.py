"""Pure rules of the school health record (no ORM, no request)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["bmi", "parse_acuity"]

TENTH = Decimal("0.1")
_FRACTION = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Body-mass index, kg/m², rounded half up to one decimal.

    >>> bmi(Decimal("150"), Decimal("45"))
    Decimal('20.0')
    """
    metres = height_cm / Decimal(100)
    return (weight_kg / (metres * metres)).quantize(TENTH, rounding=ROUND_HALF_UP)


def parse_acuity(text: str) -> Decimal:
    """A decimal visual acuity from "8/10" or "0,8" or "0.8"; ValueError if not in 0.05..2.0."""
    match = _FRACTION.match(text)
    try:
        if match:
            value = Decimal(match.group(1)) / Decimal(match.group(2))
        else:
            value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ZeroDivisionError):
        raise ValueError(f"not an acuity: {text!r}") from None
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not Decimal("0.05") <= value <= Decimal("2.0"):
        raise ValueError(f"not an acuity: {text!r}")
    return value
