"""Names in the page's language and the age of a request, for the enrolment pages.

{% load enrolment_tags %}  {{ school|lname }}  {{ pupil|pupil_name }}  {{ t.requested_at|age }}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_timedelta
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

register = template.Library()

# The same Babel locales as madrasa.web's madrasa_l10n (which this layer may not import).
_BABEL_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_GB"}


def active_language() -> str:
    return (get_language() or "ar").split("-")[0]


@register.filter
def lname(obj: Any) -> str:
    """`name_ar` in Arabic; `name_en` (when the object has one filled in) in English; else
    `name_fr`. For schools, provinces, regions, cycles, levels and streams."""
    if obj is None:
        return ""
    language = active_language()
    if language == "ar":
        return str(getattr(obj, "name_ar", "") or getattr(obj, "name_fr", ""))
    if language == "en" and getattr(obj, "name_en", None):
        return str(obj.name_en)
    return str(getattr(obj, "name_fr", ""))


@register.filter
def pupil_name(obj: Any) -> str:
    """A pupil's (or guardian's) first and family names in Arabic script on Arabic pages, in
    Latin script otherwise; the other script when the first one is empty."""
    if obj is None:
        return ""
    arabic = f"{obj.first_name_ar} {obj.last_name_ar}".strip()
    latin = f"{obj.first_name_latn} {obj.last_name_latn}".strip()
    if active_language() == "ar":
        return arabic or latin
    return latin or arabic


def _digits(text: str) -> str:
    if settings.MADRASA_DIGITS == "arab":
        return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))


@register.filter
def age(value: datetime | None) -> str:
    """How long ago, in words of the page's language: "3 days ago", "il y a 3 jours"."""
    if value is None:
        return ""
    delta = value - timezone.now()
    locale = _BABEL_LOCALES.get(active_language(), "ar_MA")
    return _digits(format_timedelta(delta, add_direction=True, locale=locale, threshold=1.0))


@register.filter
def ltr(value: Any) -> str:
    """Isolate a left-to-right code such as the school year 2026-2027: after Arabic words the
    bidirectional algorithm would otherwise show it as 2027-2026."""
    if value is None or value == "":
        return ""
    return f"\u2066{value}\u2069"
