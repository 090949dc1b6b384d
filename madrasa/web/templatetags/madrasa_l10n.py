"""Locale-aware numbers and dates for templates, with a choice of digits (latn or arab).

{% load madrasa_l10n %}  {{ count|num }}  {{ mark|num:2 }}  {{ birth_date|ldate }}
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

register = template.Library()

# Babel locales for our languages: Moroccan Arabic and French conventions, British English.
BABEL_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_GB"}


def babel_locale() -> str:
    return BABEL_LOCALES.get((get_language() or "ar").split("-")[0], "ar_MA")


@register.filter
def num(value: int | float | Decimal | None, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    pattern = None
    if places is not None:
        pattern = "#,##0." + "0" * int(places) if int(places) > 0 else "#,##0"
    # Babel switches the separators for the numbering system; _digits switches the digits.
    return _digits(
        format_decimal(
            value, format=pattern, locale=babel_locale(), numbering_system=settings.MADRASA_DIGITS
        )
    )


def _digits(text: str) -> str:
    if settings.MADRASA_DIGITS == "arab":
        return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))


@register.filter
def ldate(value: date | datetime | None, style: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return _digits(format_datetime(local, format="medium", locale=babel_locale()))
    return _digits(format_date(value, format=style, locale=babel_locale()))
