"""`{% agency_access_section student %}`: on a pupil's profile, which public services received
the pupil's data, when, for what purpose and which fields. The profile lives in a lower layer
and includes this section by name."""

from __future__ import annotations

from typing import Any

from django import template

from madrasa.registry.models import Student

from ..purposes import purpose_label
from ..selectors import pupil_accesses

register = template.Library()

SHOWN = 50


@register.inclusion_tag("agency/_pupil_accesses.html")
def agency_access_section(student: Student) -> dict[str, Any]:
    """The caller's page has already checked that the viewer sees this pupil."""
    accesses = [
        {"request": r, "purpose": purpose_label(r.purpose)} for r in pupil_accesses(student)[:SHOWN]
    ]
    return {"student": student, "accesses": accesses}
