"""Health test helpers: a guardian of world.student and a full health record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.health.services import (
    record_allergy,
    record_immunization,
    record_screening,
)
from madrasa.registry.models import Guardian, Guardianship


@pytest.fixture
def guardian(world: World) -> Guardian:
    """world.student's mother, whose parent account is world's parent user."""
    mother = Guardian.objects.create(
        national_id="AB123456",
        first_name_latn="Fatima",
        last_name_latn="Alaoui",
        user=world.users[Role.PARENT],
    )
    Guardianship.objects.create(student=world.student, guardian=mother, relation="mother")
    return mother


@pytest.fixture
def full_record(world: World) -> None:
    nurse = world.users[Role.HEALTH]
    record_immunization(
        actor=nurse,
        student=world.student,
        vaccine="MR",
        occurred_on=date(2018, 4, 2),
        dose_number=2,
    )
    record_screening(
        actor=nurse,
        student=world.student,
        kind="growth",
        screened_on=date(2025, 10, 6),
        height_cm=Decimal("150"),
        weight_kg=Decimal("45"),
    )
    record_screening(
        actor=nurse,
        student=world.student,
        kind="vision",
        screened_on=date(2025, 10, 6),
        acuity_left=Decimal("0.8"),
        acuity_right=Decimal("1"),
    )
    record_screening(
        actor=nurse,
        student=world.student,
        kind="hearing",
        screened_on=date(2025, 10, 6),
        hearing_left="normal",
        hearing_right="reduced",
    )
    record_allergy(
        actor=nurse,
        student=world.student,
        substance="Arachide",
        category="food",
        criticality="high",
        noted_on=date(2024, 9, 9),
    )
