"""What the import says about a row or a file, in the reader's language.

Errors are stored as a code and parameters (`ImportRow.errors`, `ImportBatch.file_errors`) and
turned into words when shown, so one report reads in Arabic, French or English depending on who
opens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

MESSAGES: dict[str, Promise] = {
    # The file as a whole.
    "unknown_format": gettext_lazy("only CSV and XLSX files can be imported"),
    "not_utf8": gettext_lazy('the file is not UTF-8 text: save it as "CSV UTF-8"'),
    "not_xlsx": gettext_lazy("the file is not a readable XLSX workbook"),
    "missing_columns": gettext_lazy("missing column(s): %(columns)s"),
    "duplicate_column": gettext_lazy("the column %(column)s appears twice"),
    "no_rows": gettext_lazy("the file has no rows under its header"),
    "too_many_rows": gettext_lazy("the file has more than %(max)s rows: split it"),
    "too_many_columns": gettext_lazy("the file has more than %(max)s columns"),
    # One value.
    "required": gettext_lazy("a value is required"),
    "too_long": gettext_lazy("the value is longer than %(max)s characters"),
    "not_arabic": gettext_lazy('"%(value)s" is not written in Arabic script'),
    "not_latin": gettext_lazy('"%(value)s" is not written in Latin script'),
    "not_a_date": gettext_lazy('"%(value)s" is not a date'),
    "date_in_future": gettext_lazy('"%(value)s" is in the future'),
    "date_implausible": gettext_lazy(
        '"%(value)s" is not a plausible birth date for a pupil in %(year)s'
    ),
    "bad_gender": gettext_lazy('"%(value)s" is not a gender: write F or M'),
    "bad_code": gettext_lazy('"%(value)s" is not a national code (a letter, then 9 digits)'),
    "unknown_school": gettext_lazy('no school has the code "%(value)s"'),
    "school_out_of_scope": gettext_lazy("you may not import pupils into the school %(value)s"),
    "unknown_year": gettext_lazy('"%(value)s" is not a school year (write it as 2026-2027)'),
    "no_current_year": gettext_lazy("no school year is current: fill in this column"),
    "unknown_level": gettext_lazy('"%(value)s" is not a level code (P1 … 2BAC)'),
    "stream_required": gettext_lazy("the level %(level)s needs a stream (filière)"),
    "stream_forbidden": gettext_lazy("the level %(level)s has no streams: leave this empty"),
    "unknown_stream": gettext_lazy('"%(value)s" is not a stream of the level %(level)s'),
    "bad_relation": gettext_lazy('"%(value)s" is not a relation: write pere, mere or tuteur'),
    "guardian_names": gettext_lazy(
        "a guardian needs a first and a family name, in Arabic or Latin script"
    ),
    "bad_cin": gettext_lazy(
        '"%(value)s" is not a national identity card number (one or two letters, then digits)'
    ),
    "bad_phone": gettext_lazy('"%(value)s" is not a Moroccan phone number'),
    # The row against the rest of the file and the registry.
    "code_twice": gettext_lazy("the national code %(value)s is already on row %(row)s"),
    "same_pupil_twice": gettext_lazy("the same pupil is already on row %(row)s"),
    "code_merged": gettext_lazy("the pupil %(value)s was merged into %(other)s: use that code"),
    "enrolled_elsewhere": gettext_lazy(
        "the pupil is already enrolled in %(year)s at the school %(school)s: "
        "ask for a transfer instead"
    ),
    "enrolled_other_level": gettext_lazy(
        "the pupil is already enrolled in this school in %(year)s at level %(level)s"
    ),
    "class_other_level": gettext_lazy(
        'the class "%(value)s" is already a class of %(level)s in this school'
    ),
    "class_defined_twice": gettext_lazy(
        'the class "%(value)s" is given on row %(row)s for another level or stream'
    ),
}

# Babel locales for our languages (the same as the page templates' number filter).
_BABEL_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_GB"}


def format_count(value: int) -> str:
    """A whole number with the reader's grouping: 1,204 (en), 1 204 (fr), 1.204 (ar)."""
    locale = _BABEL_LOCALES.get((get_language() or "ar").split("-")[0], "ar_MA")
    text = format_decimal(value, locale=locale, numbering_system="latn")
    return str(text)


def describe(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The message for an error code, in the active language."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    values = {key: _param(key, value) for key, value in (params or {}).items()}
    return str(template) % values if values else str(template)


def _param(key: str, value: Any) -> str:
    if key == "row" and isinstance(value, int):
        return format_count(value)
    return str(value)


def error_line(row: int | None, column: str, code: str, params: Mapping[str, Any]) -> str:
    """One line of a report: row 1,204, column date_naissance: "31/02/2010" is not a date."""
    message = describe(code, params)
    if row is None and not column:
        return message
    if row is None:
        return _("column %(column)s: %(message)s") % {"column": column, "message": message}
    if not column:
        return _("row %(row)s: %(message)s") % {"row": format_count(row), "message": message}
    return _("row %(row)s, column %(column)s: %(message)s") % {
        "row": format_count(row),
        "column": column,
        "message": message,
    }
