"""The purposes an agency may be granted, and exactly the fields each one lets it receive.

A purpose is also the OAuth scope of the agency's tokens. Adding a purpose means adding it here,
in `OAUTH2_PROVIDER["SCOPES"]` (settings) and in docs/agencies.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = ["HEALTH", "PURPOSES", "RECRUITMENT", "SOCIAL_AID", "Purpose", "purpose_label"]


@dataclass(frozen=True)
class Purpose:
    code: str
    label: Promise
    fields: tuple[str, ...]


SOCIAL_AID = Purpose(
    "social_aid",
    _("Social aid (schooling status for the child allowance)"),
    ("schooling_status",),
)
RECRUITMENT = Purpose(
    "recruitment",
    _("Recruitment competition (diploma verification)"),
    ("diploma_held", "diploma_year", "diploma_stream", "diploma_mention"),
)
HEALTH = Purpose(
    "health",
    _("Health ministry (school health record, with consent)"),
    (
        "patient_identity",
        "immunizations",
        "growth_screenings",
        "vision_hearing_screenings",
        "allergies",
        "consent",
    ),
)

PURPOSES: dict[str, Purpose] = {p.code: p for p in (SOCIAL_AID, RECRUITMENT, HEALTH)}


def purpose_label(code: str) -> str:
    purpose = PURPOSES.get(code)
    return str(purpose.label) if purpose else code
