"""`madrasa grading show` and `madrasa grading copy`."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from madrasa.grading.models import SubjectCoefficient
from madrasa.grading.services import load_grading
from madrasa.registry.services import create_school_year, load_structure


@pytest.fixture
def shipped(db: None) -> None:
    load_structure(actor=None)
    load_grading(actor=None)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("grading", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("shipped")
def test_show_prints_the_policy_the_coefficients_and_the_schemes() -> None:
    text = _run("show", "--year", "2025-2026")
    assert "School year 2025-2026 — open" in text
    assert "0-20, pass mark 10" in text
    assert "assez_bien from 12" in text
    assert "ABJ=excluded, ABN=zero, DIS=excluded" in text
    assert "baccalaureat (2BAC): continuous 0.25 + regional 0.25 + national 0.50" in text
    assert "resit from 8, best mark per subject kept" in text
    assert (
        "college_certificate (C3): continuous 0.30 + local 0.30 + regional 0.40; no resit" in text
    )
    assert "2BAC/PC" in text
    assert "MATH x7 (3)" in text


@pytest.mark.usefixtures("shipped")
def test_copy_starts_a_year_and_refuses_a_second_time_without_replace() -> None:
    create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )
    assert "No grading policy yet" in _run("show", "--year", "2027-2028")
    text = _run("copy", "--from", "2025-2026", "--to", "2027-2028")
    assert "2027-2028 now starts from 2025-2026: 280 coefficients, 3 exam schemes." in text
    assert SubjectCoefficient.objects.filter(year__code="2027-2028").count() == 280
    with pytest.raises(CommandError, match="already has a grading policy"):
        _run("copy", "--from", "2025-2026", "--to", "2027-2028")
    assert "now starts from 2024-2025" in _run(
        "copy", "--from", "2024-2025", "--to", "2027-2028", "--replace"
    )


@pytest.mark.usefixtures("shipped")
def test_an_unknown_year_is_an_error() -> None:
    with pytest.raises(CommandError, match="No school year '1999-2000'"):
        _run("show", "--year", "1999-2000")
