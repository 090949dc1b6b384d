"""Pure registry rules: names normalised, national codes, duplicate scores (no ORM or request)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

# Arabic: harakat (fathatan..sukun), superscript alif, Quranic marks, and tatweel are dropped.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",  # alif with hamza above
        "إ": "ا",  # alif with hamza below
        "آ": "ا",  # alif with madda
        "ٱ": "ا",  # alif wasla
        "ؤ": "و",  # waw with hamza
        "ئ": "ي",  # yeh with hamza
        "ى": "ي",  # alif maqsura
        "ة": "ه",  # taa marbuta
        "ء": "",  # lone hamza
        "ک": "ك",  # Persian kaf, found in some keyboards
        "ی": "ي",  # Persian yeh
    }
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)


def normalise_name(text: str) -> str:
    """Lower-case, accent-free Latin and normalised Arabic, words separated by one space.

    >>> normalise_name("Aït-Benhaddou  É.")
    'ait benhaddou e'
    >>> normalise_name("فاطمة الزّهراء")
    'فاطمه الزهرا'
    """
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS).translate(_DIGITS)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c) or _is_arabic(c))
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_SEPARATORS.sub(" ", text).replace("_", " ").split())


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def student_search_key(*names: str) -> str:
    """The text a pupil is found by: every name in both scripts, normalised."""
    return " ".join(n for n in (normalise_name(name) for name in names) if n)


NATIONAL_CODE_SHAPE = re.compile(r"^[A-Za-z]\d{9}$")


def looks_like_national_code(text: str) -> bool:
    return bool(NATIONAL_CODE_SHAPE.match(text.strip()))


def student_keys(
    first_name_ar: str, last_name_ar: str, first_name_latn: str, last_name_latn: str
) -> dict[str, str]:
    """The derived columns of a pupil row (`Student.search_key`, `last_key_latn`, `last_key_ar`)."""
    return {
        "search_key": student_search_key(
            first_name_ar, last_name_ar, first_name_latn, last_name_latn
        )[:500],
        "last_key_latn": normalise_name(last_name_latn)[:100],
        "last_key_ar": normalise_name(last_name_ar)[:100],
    }


# --- National codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NationalCodeFormat:
    """How national codes look: one letter, then `digits` digits, the last of which is a Luhn
    check digit when `check` is "luhn". The letter is the region's: `region_letters[n - 1]` for
    region n (A for region 01 … L for region 12 by default)."""

    digits: int = 9
    check: str = "luhn"
    region_letters: str = "ABCDEFGHIJKL"

    @property
    def serial_digits(self) -> int:
        return self.digits - 1 if self.check == "luhn" else self.digits

    def letter_for_region(self, region_code: str) -> str:
        index = int(region_code) - 1
        if not 0 <= index < len(self.region_letters):
            raise ValueError(f"no national-code letter for region {region_code}")
        return self.region_letters[index]

    def format(self, letter: str, serial: int) -> str:
        """The code for a serial.

        >>> NationalCodeFormat().format("D", 42)
        'D000000422'
        """
        body = f"{serial:0{self.serial_digits}d}"
        if len(body) > self.serial_digits:
            raise ValueError(f"national-code serials for {letter} are exhausted")
        if self.check == "luhn":
            body += luhn_check_digit(body)
        return f"{letter}{body}"

    def is_valid(self, code: str) -> bool:
        """True when `code` has the configured shape and, if configured, a correct check digit."""
        if not re.fullmatch(rf"[A-Z]\d{{{self.digits}}}", code):
            return False
        if self.check == "luhn":
            return luhn_check_digit(code[1:-1]) == code[-1]
        return True


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit of a string of digits.

    >>> luhn_check_digit("7992739871")
    '3'
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


# --- Possible duplicates ----------------------------------------------------------------------

DUPLICATE_THRESHOLD = 70


@dataclass(frozen=True)
class PersonKey:
    """What duplicate detection compares, already normalised (see `person_key`)."""

    birth_date: date
    gender: str
    first_latn: str
    last_latn: str
    first_ar: str
    last_ar: str
    birth_place: str = ""


def person_key(
    *,
    birth_date: date,
    gender: str,
    first_name_latn: str,
    last_name_latn: str,
    first_name_ar: str,
    last_name_ar: str,
    birth_place: str = "",
) -> PersonKey:
    return PersonKey(
        birth_date,
        gender,
        normalise_name(first_name_latn),
        normalise_name(last_name_latn),
        normalise_name(first_name_ar),
        normalise_name(last_name_ar),
        normalise_name(birth_place),
    )


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def duplicate_score(new: PersonKey, old: PersonKey) -> tuple[int, list[str]]:
    """How likely (0 to 100) two pupil records are the same person, and why.

    Same birth date: 40 points (a day and month swapped: 25). First names weigh most, because
    brothers, sisters and cousins share the family name and twins the birth date too: the first
    name in each script adds up to 20 points by similarity, the family name in each script up to
    5. So a different spelling in one script ("Yassine"/"Yacine") still counts through the other.
    Different genders take 30 points off, the same birth place adds 10. Pairs scoring
    DUPLICATE_THRESHOLD or more are flagged.

    >>> a = person_key(birth_date=date(2012, 3, 1), gender="M", first_name_latn="Yassine",
    ...     last_name_latn="Alaoui", first_name_ar="ياسين", last_name_ar="العلوي")
    >>> b = person_key(birth_date=date(2012, 3, 1), gender="M", first_name_latn="Yacine",
    ...     last_name_latn="El Alaoui", first_name_ar="ياسين", last_name_ar="العلوي")
    >>> duplicate_score(a, b)[0] >= DUPLICATE_THRESHOLD
    True
    >>> twin = person_key(birth_date=date(2012, 3, 1), gender="M", first_name_latn="Omar",
    ...     last_name_latn="Alaoui", first_name_ar="عمر", last_name_ar="العلوي")
    >>> duplicate_score(twin, a)[0] < DUPLICATE_THRESHOLD
    True
    """
    score = 0.0
    reasons: list[str] = []
    if new.birth_date == old.birth_date:
        score += 40
        reasons.append("same_birth_date")
    elif (
        new.birth_date.year == old.birth_date.year
        and new.birth_date.day == old.birth_date.month
        and new.birth_date.month == old.birth_date.day
    ):
        score += 25
        reasons.append("birth_day_month_swapped")
    first_latn = _similarity(new.first_latn, old.first_latn)
    first_ar = _similarity(new.first_ar, old.first_ar)
    last_latn = _similarity(new.last_latn, old.last_latn)
    last_ar = _similarity(new.last_ar, old.last_ar)
    score += 20 * first_latn + 20 * first_ar + 5 * last_latn + 5 * last_ar
    if min(first_latn, last_latn) >= 0.8:
        reasons.append("similar_latin_name")
    if min(first_ar, last_ar) >= 0.8:
        reasons.append("similar_arabic_name")
    if new.gender != old.gender:
        score -= 30
        reasons.append("different_gender")
    if new.birth_place and new.birth_place == old.birth_place:
        score += 10
        reasons.append("same_birth_place")
    return max(0, min(100, round(score))), reasons
