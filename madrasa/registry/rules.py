"""Pure registry rules: how names are normalised for search (no ORM, no request)."""

from __future__ import annotations

import re
import unicodedata

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
