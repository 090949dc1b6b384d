"""The columns of a pupil import file (French header names, as MASSAR exports them).

The single source for the page's column table, the downloadable template and the checks;
`docs/imports.md` describes the same list (a test keeps them together).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    # "yes", "no", or "if": required under a condition given in `help`.
    required: str
    example: str
    help: Promise


PUPIL_COLUMNS: tuple[Column, ...] = (
    Column(
        "code_national",
        "no",
        "A100000001",
        _("Empty for a new pupil (a code is allocated); otherwise a letter and 9 digits."),
    ),
    Column("nom_ar", "yes", "العلوي", _("Family name in Arabic script.")),
    Column("prenom_ar", "yes", "ياسين", _("First name in Arabic script.")),
    Column("nom_fr", "yes", "Alaoui", _("Family name in Latin script.")),
    Column("prenom_fr", "yes", "Yassine", _("First name in Latin script.")),
    Column("date_naissance", "yes", "01/03/2012", _("DD/MM/YYYY or YYYY-MM-DD.")),
    Column("lieu_naissance_ar", "no", "الرباط", _("Place of birth in Arabic script.")),
    Column("lieu_naissance_fr", "no", "Rabat", _("Place of birth in Latin script.")),
    Column("genre", "yes", "M", _("F or M (also أنثى/ذكر, fille/garçon).")),
    Column(
        "code_etablissement",
        "yes",
        "T0001",
        _("The school's code; it must be within your scope."),
    ),
    Column(
        "annee_scolaire",
        "no",
        "2026-2027",
        _("The school year; empty for the current one."),
    ),
    Column("niveau", "yes", "P3", _("Level code: PS1, PS2, P1 … P6, C1 … C3, TC, 1BAC, 2BAC.")),
    Column(
        "filiere",
        "if",
        "TCS",
        _("Stream code: required for TC, 1BAC and 2BAC, empty for the other levels."),
    ),
    Column(
        "classe",
        "no",
        "3A",
        _("Class name in the school for the year; created if it does not exist."),
    ),
    Column(
        "tuteur_relation",
        "if",
        "pere",
        _("pere, mere or tuteur; required when any other tuteur_ column is filled."),
    ),
    Column("tuteur_nom_ar", "if", "العلوي", _("Guardian's family name in Arabic script.")),
    Column("tuteur_prenom_ar", "if", "محمد", _("Guardian's first name in Arabic script.")),
    Column("tuteur_nom_fr", "if", "Alaoui", _("Guardian's family name in Latin script.")),
    Column("tuteur_prenom_fr", "if", "Mohammed", _("Guardian's first name in Latin script.")),
    Column("tuteur_cin", "no", "AB123456", _("Guardian's national identity card (CIN).")),
    Column("tuteur_telephone", "no", "0612345678", _("Guardian's Moroccan phone number.")),
)

PUPIL_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in PUPIL_COLUMNS)
# Columns that must be in the header (their values may still be checked row by row).
PUPIL_REQUIRED_HEADER: tuple[str, ...] = tuple(c.name for c in PUPIL_COLUMNS if c.required == "yes")
GUARDIAN_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in PUPIL_COLUMNS if c.name.startswith("tuteur_")
)


def template_csv() -> str:
    """The downloadable template: the header line only (UTF-8, with a BOM for spreadsheets)."""
    return "\ufeff" + ",".join(PUPIL_COLUMN_NAMES) + "\r\n"
