"""Pure health rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from madrasa.health.rules import bmi, parse_acuity


def test_bmi_rounds_half_up_to_one_decimal() -> None:
    assert bmi(Decimal("150"), Decimal("45")) == Decimal("20.0")
    assert bmi(Decimal("132.5"), Decimal("30.2")) == Decimal("17.2")


def test_acuity_reads_fractions_and_decimals() -> None:
    assert parse_acuity("8/10") == Decimal("0.80")
    assert parse_acuity("0,5") == Decimal("0.50")
    for bad in ("11/0", "abc", "3", "0/10"):
        with pytest.raises(ValueError, match="not an acuity"):
            parse_acuity(bad)
