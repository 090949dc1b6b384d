"""`{% attendance_section student %}`: the attendance part of a pupil's profile (alerts to the
parents, this month's totals, a link to the absences page). The profile page lives in a lower
layer, so it includes this section by name instead of importing the attendance app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from madrasa.registry.models import Student

from ..rules import month_bounds
from ..selectors import pupil_alerts, pupil_month_totals

register = template.Library()


@register.inclusion_tag("attendance/_pupil_section.html")
def attendance_section(student: Student) -> dict[str, Any]:
    """The caller's page has already checked that the viewer sees this pupil."""
    first, last = month_bounds(timezone.localdate())
    totals = pupil_month_totals(student, first, last)
    return {
        "student": student,
        "alerts": list(pupil_alerts(student)[:3]),
        "this_month": totals[0] if totals else None,
    }
