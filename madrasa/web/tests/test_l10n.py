"""Locale-aware numbers and dates, with Western or Arabic-Indic digits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from madrasa.web.templatetags.madrasa_l10n import ldate, num


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "12 345,5"), ("en", "12,345.5"), ("ar", "12.345,5")],
)
def test_numbers_follow_the_language(lang: str, expected: str) -> None:
    with translation.override(lang):
        assert num(Decimal("12345.5")).replace("\u202f", " ").replace("\xa0", " ") == expected


def test_marks_keep_two_decimals() -> None:
    with translation.override("fr"):
        assert num(Decimal("9.5"), 2) == "9,50"


@override_settings(MADRASA_DIGITS="arab")
def test_arabic_indic_digits_can_be_chosen() -> None:
    with translation.override("ar"):
        assert num(1234) == "١٬٢٣٤"
        assert ldate(date(2010, 3, 1)) == "١ مارس ٢٠١٠"


def test_dates_follow_the_language() -> None:
    with translation.override("fr"):
        assert ldate(date(2010, 3, 1)) == "1 mars 2010"
    with translation.override("ar"):
        assert ldate(date(2010, 3, 1)) == "1 مارس 2010"
    with translation.override("en"):
        assert ldate(date(2010, 3, 1)) == "1 March 2010"
