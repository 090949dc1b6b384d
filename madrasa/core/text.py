"""Small text helpers shared by the file imports."""

from __future__ import annotations

import unicodedata

__all__ = ["normalise_header"]


def normalise_header(text: str) -> str:
    """A file's column name as we match it: `Date Naissance`, `date-naissance` and
    ` DATE_NAISSANCE ` all read as date_naissance; `Matière` reads as matiere (accents, case,
    spaces, hyphens and a byte-order mark do not matter)."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip())
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return "_".join(text.replace("-", " ").replace("_", " ").split())
