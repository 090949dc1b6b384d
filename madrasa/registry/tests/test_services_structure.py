"""Morocco's structure of schooling as default data, and the ministry's changes to it."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import World
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import Cycle, Level, SchoolYear, Stream
from madrasa.registry.services import (
    create_school_year,
    create_stream,
    load_structure,
    set_current_year,
)


def test_the_default_structure_is_morocco_s(world: World) -> None:
    assert list(Cycle.objects.values_list("code", flat=True)) == [
        "prescolaire",
        "primaire",
        "college",
        "lycee",
    ]
    assert list(Level.objects.values_list("code", flat=True)) == [
        "PS1", "PS2", "P1", "P2", "P3", "P4", "P5", "P6", "C1", "C2", "C3", "TC", "1BAC", "2BAC",
    ]  # fmt: skip
    with_streams = set(Stream.objects.values_list("level__code", flat=True))
    assert with_streams == {"TC", "1BAC", "2BAC"}
    assert Stream.objects.filter(level__code="2BAC", code="SVT").exists()
    year = SchoolYear.objects.get(is_current=True)
    assert [s.number for s in year.semesters.all()] == [1, 2]


def test_loading_again_changes_nothing(world: World) -> None:
    before = (Level.objects.count(), Stream.objects.count(), SchoolYear.objects.count())
    load_structure(actor=None)
    assert (Level.objects.count(), Stream.objects.count(), SchoolYear.objects.count()) == before
    assert SchoolYear.objects.filter(is_current=True).count() == 1


def test_the_ministry_opens_a_new_year_and_makes_it_current(world: World) -> None:
    year = create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )
    first, second = year.semesters.all()
    assert (first.ends_on, second.starts_on) == (date(2028, 1, 30), date(2028, 1, 31))
    set_current_year(actor=None, year=year)
    assert SchoolYear.objects.get(is_current=True) == year


@pytest.mark.parametrize(
    ("code", "starts_on", "ends_on", "split", "message"),
    [
        ("2027/2028", date(2027, 9, 6), date(2028, 7, 1), date(2028, 2, 1), "2026-2027"),
        ("2027-2029", date(2027, 9, 6), date(2028, 7, 1), date(2028, 2, 1), "2026-2027"),
        ("2027-2028", date(2027, 9, 6), date(2028, 7, 1), date(2027, 8, 1), "second semester"),
        ("2026-2027", date(2027, 9, 6), date(2028, 7, 1), date(2028, 2, 1), "already exists"),
        ("2027-2028", date(2027, 6, 1), date(2028, 7, 1), date(2028, 2, 1), "overlap"),
    ],
)
def test_a_wrong_year_is_refused_with_the_reason(
    world: World, code: str, starts_on: date, ends_on: date, split: date, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_school_year(
            actor=None, code=code, starts_on=starts_on, ends_on=ends_on, semester_split=split
        )


def test_the_ministry_adds_a_stream(world: World) -> None:
    level = Level.objects.get(code="1BAC")
    stream = create_stream(
        actor=None, level=level, code="sexp2", name_fr="Sciences B", name_ar="علوم ب"
    )
    assert stream.code == "SEXP2"
    with pytest.raises(InvalidInput, match="already has"):
        create_stream(actor=None, level=level, code="SEXP2", name_fr="x", name_ar="س")
