"""Pure rules of the pupil import: how each value is read and checked (no ORM, no request).

`check_pupil_row` turns one row (column -> text) into its normalised values, or the list of what
is wrong with it, given the reference data the caller looked up for the whole chunk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from madrasa.registry.rules import looks_like_national_code, normalise_name

from .columns import GUARDIAN_COLUMNS

NAME_MAX = 100
CLASS_MAX = 40
EARLIEST_BIRTH_YEAR = 1950  # as the registry's create_student
MIN_AGE = 3  # on 31 December of the school year's first calendar year
MAX_AGE = 30

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"(\d{4})[-/](\d{4})")
_CIN = re.compile(r"[A-Z]{1,2}\d{1,7}")
# A spreadsheet that took the number for a number drops its leading 0: 612345678 is read too.
_PHONE = re.compile(r"(?:\+212|00212|212|0)?([5-8]\d{8})")
_PHONE_NOISE = re.compile(r"[\s.()-]")
_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")

_GENDERS = {
    normalise_name(word): value
    for words, value in (
        (("F", "أنثى", "fille", "féminin", "female"), "F"),
        (("M", "ذكر", "garçon", "masculin", "male"), "M"),
    )
    for word in words
}
_RELATIONS = {
    normalise_name(word): value
    for words, value in (
        (("pere", "père", "أب", "الأب", "father"), "father"),
        (("mere", "mère", "أم", "الأم", "mother"), "mother"),
        (("tuteur", "tutrice", "ولي", "ولي الأمر", "guardian"), "tutor"),
    )
    for word in words
}


@dataclass(frozen=True)
class RowError:
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"column": self.column, "code": self.code, "params": self.params}


@dataclass(frozen=True)
class LevelRef:
    id: int
    code: str
    streams: Mapping[str, int]  # stream code -> id (active streams only)


@dataclass(frozen=True)
class YearRef:
    id: int
    code: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class SchoolRef:
    id: int
    code: str
    region_code: str
    in_scope: bool


@dataclass(frozen=True)
class Reference:
    """What checking a row needs to know about the registry."""

    levels: Mapping[str, LevelRef]
    years: Mapping[str, YearRef]
    current_year: YearRef | None
    schools: Mapping[str, SchoolRef]
    today: date


def parse_date(text: str) -> date | None:
    """DD/MM/YYYY (also with - or .) or YYYY-MM-DD; Arabic-Indic digits are read too.

    >>> parse_date("01/03/2012"), parse_date("2012-03-01"), parse_date("31/02/2010")
    (datetime.date(2012, 3, 1), datetime.date(2012, 3, 1), None)
    """
    text = text.strip().translate(_DIGITS)
    try:
        if match := _YMD.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_gender(text: str) -> str | None:
    return _GENDERS.get(normalise_name(text))


def parse_relation(text: str) -> str | None:
    return _RELATIONS.get(normalise_name(text))


def normalise_phone(text: str) -> str | None:
    """A Moroccan number as 0XXXXXXXXX, from 06 12 34 56 78, +212 6…, 00212 6…, 612345678.

    >>> normalise_phone("+212 6 12-34-56-78")
    '0612345678'
    """
    match = _PHONE.fullmatch(_PHONE_NOISE.sub("", text.translate(_DIGITS)))
    return f"0{match[1]}" if match else None


def normalise_cin(text: str) -> str:
    return "".join(text.split()).upper()


def normalise_class_name(text: str) -> str:
    return " ".join(text.split())


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _text(
    raw: Mapping[str, str], column: str, errors: list[RowError], *, required: bool, script: str = ""
) -> str:
    value = " ".join((raw.get(column) or "").split())
    if not value:
        if required:
            errors.append(RowError(column, "required"))
        return ""
    if len(value) > NAME_MAX:
        errors.append(RowError(column, "too_long", {"max": NAME_MAX}))
    elif script == "ar" and not _ARABIC.search(value):
        errors.append(RowError(column, "not_arabic", {"value": value}))
    elif script == "latn" and (_ARABIC.search(value) or not _LATIN.search(value)):
        errors.append(RowError(column, "not_latin", {"value": value}))
    return value


def check_pupil_row(
    raw: Mapping[str, str], ref: Reference
) -> tuple[dict[str, Any], list[RowError]]:
    """The row's normalised values and its errors, column by column. The values are only to be
    applied when there is no error; the caller still uses a well-formed code or identity of a
    refused row to recognise a later row of the same pupil."""
    errors: list[RowError] = []
    clean: dict[str, Any] = {}

    code = (raw.get("code_national") or "").strip().upper()
    if code and not looks_like_national_code(code):
        errors.append(RowError("code_national", "bad_code", {"value": code}))
        code = ""
    clean["code"] = code

    clean["last_name_ar"] = _text(raw, "nom_ar", errors, required=True, script="ar")
    clean["first_name_ar"] = _text(raw, "prenom_ar", errors, required=True, script="ar")
    clean["last_name_latn"] = _text(raw, "nom_fr", errors, required=True, script="latn")
    clean["first_name_latn"] = _text(raw, "prenom_fr", errors, required=True, script="latn")
    clean["birth_place_ar"] = _text(raw, "lieu_naissance_ar", errors, required=False)
    clean["birth_place_latn"] = _text(raw, "lieu_naissance_fr", errors, required=False)

    gender_text = (raw.get("genre") or "").strip()
    gender = parse_gender(gender_text) if gender_text else None
    if not gender_text:
        errors.append(RowError("genre", "required"))
    elif gender is None:
        errors.append(RowError("genre", "bad_gender", {"value": gender_text}))
    clean["gender"] = gender

    year = _check_year(raw, ref, errors)
    clean["year_id"] = year.id if year else None
    clean["year_code"] = year.code if year else ""

    birth = _check_birth_date(raw, ref, year, errors)
    clean["birth_date"] = birth.isoformat() if birth else None

    school_code = (raw.get("code_etablissement") or "").strip()
    school = ref.schools.get(school_code) if school_code else None
    if not school_code:
        errors.append(RowError("code_etablissement", "required"))
    elif school is None:
        errors.append(RowError("code_etablissement", "unknown_school", {"value": school_code}))
    elif not school.in_scope:
        errors.append(RowError("code_etablissement", "school_out_of_scope", {"value": school_code}))
    clean["school_id"] = school.id if school else None
    clean["school_code"] = school_code
    clean["region_code"] = school.region_code if school else ""

    _check_level_and_stream(raw, ref, clean, errors)

    class_name = normalise_class_name(raw.get("classe") or "")
    if len(class_name) > CLASS_MAX:
        errors.append(RowError("classe", "too_long", {"max": CLASS_MAX}))
    clean["class_name"] = class_name

    clean["guardian"] = _check_guardian(raw, errors)
    return clean, errors


def _check_year(raw: Mapping[str, str], ref: Reference, errors: list[RowError]) -> YearRef | None:
    text = (raw.get("annee_scolaire") or "").strip().translate(_DIGITS)
    if not text:
        if ref.current_year is None:
            errors.append(RowError("annee_scolaire", "no_current_year"))
        return ref.current_year
    match = _YEAR.fullmatch(text)
    year = ref.years.get(f"{match[1]}-{match[2]}") if match else None
    if year is None:
        errors.append(RowError("annee_scolaire", "unknown_year", {"value": text}))
    return year


def _check_birth_date(
    raw: Mapping[str, str], ref: Reference, year: YearRef | None, errors: list[RowError]
) -> date | None:
    text = (raw.get("date_naissance") or "").strip()
    if not text:
        errors.append(RowError("date_naissance", "required"))
        return None
    birth = parse_date(text)
    if birth is None:
        errors.append(RowError("date_naissance", "not_a_date", {"value": text}))
        return None
    if birth > ref.today:
        errors.append(RowError("date_naissance", "date_in_future", {"value": text}))
        return None
    if year is not None:
        age = age_on(birth, date(year.starts_on.year, 12, 31))
        if birth.year < EARLIEST_BIRTH_YEAR or not MIN_AGE <= age <= MAX_AGE:
            errors.append(
                RowError("date_naissance", "date_implausible", {"value": text, "year": year.code})
            )
            return None
    return birth


def _check_level_and_stream(
    raw: Mapping[str, str], ref: Reference, clean: dict[str, Any], errors: list[RowError]
) -> None:
    level_text = (raw.get("niveau") or "").strip().upper()
    stream_text = (raw.get("filiere") or "").strip().upper()
    level = ref.levels.get(level_text) if level_text else None
    clean["level_id"] = level.id if level else None
    clean["level_code"] = level.code if level else ""
    clean["stream_id"] = None
    clean["stream_code"] = ""
    if not level_text:
        errors.append(RowError("niveau", "required"))
        return
    if level is None:
        errors.append(RowError("niveau", "unknown_level", {"value": level_text}))
        return
    if not level.streams:
        if stream_text:
            errors.append(RowError("filiere", "stream_forbidden", {"level": level.code}))
        return
    if not stream_text:
        errors.append(RowError("filiere", "stream_required", {"level": level.code}))
        return
    stream_id = level.streams.get(stream_text)
    if stream_id is None:
        errors.append(
            RowError("filiere", "unknown_stream", {"value": stream_text, "level": level.code})
        )
        return
    clean["stream_id"] = stream_id
    clean["stream_code"] = stream_text


def _check_guardian(raw: Mapping[str, str], errors: list[RowError]) -> dict[str, str] | None:
    if not any((raw.get(column) or "").strip() for column in GUARDIAN_COLUMNS):
        return None
    before = len(errors)
    relation_text = (raw.get("tuteur_relation") or "").strip()
    relation = parse_relation(relation_text) if relation_text else None
    if not relation_text:
        errors.append(RowError("tuteur_relation", "required"))
    elif relation is None:
        errors.append(RowError("tuteur_relation", "bad_relation", {"value": relation_text}))
    names = {
        "last_name_ar": _text(raw, "tuteur_nom_ar", errors, required=False, script="ar"),
        "first_name_ar": _text(raw, "tuteur_prenom_ar", errors, required=False, script="ar"),
        "last_name_latn": _text(raw, "tuteur_nom_fr", errors, required=False, script="latn"),
        "first_name_latn": _text(raw, "tuteur_prenom_fr", errors, required=False, script="latn"),
    }
    has_first = names["first_name_ar"] or names["first_name_latn"]
    has_last = names["last_name_ar"] or names["last_name_latn"]
    if not (has_first and has_last):
        column = "tuteur_prenom_fr" if not has_first else "tuteur_nom_fr"
        errors.append(RowError(column, "guardian_names"))
    cin_text = (raw.get("tuteur_cin") or "").strip()
    cin = normalise_cin(cin_text)
    if cin and not _CIN.fullmatch(cin):
        errors.append(RowError("tuteur_cin", "bad_cin", {"value": cin_text}))
    phone_text = (raw.get("tuteur_telephone") or "").strip()
    phone = normalise_phone(phone_text) if phone_text else ""
    if phone is None:
        errors.append(RowError("tuteur_telephone", "bad_phone", {"value": phone_text}))
    if len(errors) > before:
        return None
    return {"relation": relation or "", **names, "national_id": cin, "phone": phone or ""}
