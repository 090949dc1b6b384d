"""Object kinds of the grading routes for the access matrix (tests/security/test_access_matrix.py).

A school year is national configuration, not scoped to a territory: "own" is the current year,
"other" another year; the roles that may read or edit the policy reach both."""

from __future__ import annotations

from typing import Any

from madrasa.enrolment.services import current_year
from madrasa.registry.models import SchoolYear


def _school_year(world: Any, *, own: bool) -> str:
    current = current_year()
    if own:
        return current.code
    other = SchoolYear.objects.exclude(pk=current.pk).order_by("starts_on").first()
    assert other is not None
    return other.code


BUILDERS = {"school_year": _school_year}
