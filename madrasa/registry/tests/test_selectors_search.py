"""Searching pupils: by code or by name in either script, only within the caller's scope."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.registry.selectors import search_students
from madrasa.registry.services import create_student


def _codes(world: World, role: Role, query: str) -> list[str]:
    return [s.national_code for s in search_students(world.actor(role), query)]


@pytest.mark.parametrize(
    "query",
    ["Yassine", "yassine alaoui", "ALAOUI", "ياسين", "العلوي ياسين", "A100000001", "a100000001"],
)
def test_it_finds_a_pupil_by_code_or_by_name_in_either_script(world: World, query: str) -> None:
    assert _codes(world, Role.MINISTRY, query) == ["A100000001"]


def test_arabic_spelling_variants_find_the_same_pupil(world: World) -> None:
    create_student(
        actor=None,
        national_code="C300000003",
        first_name_ar="فاطمة الزهراء",
        last_name_ar="أمزيان",
        first_name_latn="Fatima Zahra",
        last_name_latn="Amziane",
        birth_date=date(2013, 1, 2),
        gender="F",
        school=world.school,
    )
    for query in ("فاطمه", "امزيان", "فاطِمة الزَّهراء", "Fatima-Zahra", "AMZIANE"):
        assert _codes(world, Role.DIRECTOR, query) == ["C300000003"], query


def test_it_never_returns_pupils_outside_the_scope(world: World) -> None:
    assert _codes(world, Role.DIRECTOR, "Salma") == []
    assert _codes(world, Role.DIRECTOR, "B200000002") == []
    assert _codes(world, Role.PARENT, "") == ["A100000001"]
    assert _codes(world, Role.TEACHER, "") == ["A100000001"]  # their class
    assert _codes(world, Role.MINISTRY, "Salma") == ["B200000002"]


def test_every_word_must_match(world: World) -> None:
    assert _codes(world, Role.MINISTRY, "Yassine Bennani") == []


def test_the_search_is_one_query(world: World, django_assert_num_queries: object) -> None:
    actor = world.actor(Role.MINISTRY)
    with django_assert_num_queries(1):  # type: ignore[operator]  # pytest-django fixture
        rows = list(search_students(actor, "alaoui"))
    assert rows[0].school is not None  # school came with the same query
