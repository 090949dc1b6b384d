"""Recording the health record and consents; the consent command."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import World
from madrasa.core.errors import InvalidInput, PermissionDenied
from madrasa.core.models import AuditEvent
from madrasa.health.access import require_consent
from madrasa.health.models import Consent, Screening
from madrasa.health.services import grant_consent, record_screening, revoke_consent
from madrasa.registry.models import Guardian


def test_a_growth_screening_gets_its_bmi_and_the_audit_keeps_no_values(
    world: World, full_record: None
) -> None:
    growth = Screening.objects.get(kind="growth")
    assert growth.bmi == Decimal("20.0")
    event = AuditEvent.objects.filter(action="health.screening").first()
    assert event is not None
    assert set(event.data) == {"student", "record", "kind"}


def test_incomplete_or_implausible_screenings_are_refused(world: World) -> None:
    day = date(2025, 10, 6)
    with pytest.raises(InvalidInput) as missing:
        record_screening(
            actor=None,
            student=world.student,
            kind="growth",
            screened_on=day,
            height_cm=Decimal("150"),
        )
    assert missing.value.code == "incomplete_screening"
    with pytest.raises(InvalidInput) as tall:
        record_screening(
            actor=None,
            student=world.student,
            kind="growth",
            screened_on=day,
            height_cm=Decimal("350"),
            weight_kg=Decimal("40"),
        )
    assert tall.value.code == "bad_height"
    with pytest.raises(InvalidInput) as future:
        record_screening(
            actor=None,
            student=world.student,
            kind="hearing",
            screened_on=timezone.localdate() + timedelta(days=1),
            hearing_left="normal",
            hearing_right="normal",
        )
    assert future.value.code == "bad_date"


def test_a_consent_is_given_by_a_guardian_dated_and_revocable(
    world: World, guardian: Guardian
) -> None:
    consent = grant_consent(
        actor=None,
        student=world.student,
        guardian=guardian,
        purpose="health",
        given_on=date(2025, 9, 15),
    )
    assert require_consent(world.student, "health") == consent
    with pytest.raises(InvalidInput) as twice:
        grant_consent(actor=None, student=world.student, guardian=guardian, purpose="health")
    assert twice.value.code == "consent_already_active"
    revoke_consent(actor=None, student=world.student, purpose="health")
    with pytest.raises(PermissionDenied) as refused:
        require_consent(world.student, "health")
    assert refused.value.code == "consent_required"
    # a new consent can be given after a revocation; the history stays
    grant_consent(actor=None, student=world.student, guardian=guardian, purpose="health")
    assert Consent.objects.count() == 2


def test_only_a_guardian_of_the_pupil_gives_consent(world: World, guardian: Guardian) -> None:
    with pytest.raises(InvalidInput) as stranger:
        grant_consent(actor=None, student=world.other_student, guardian=guardian, purpose="health")
    assert stranger.value.code == "not_a_guardian"
    with pytest.raises(InvalidInput) as purpose:
        grant_consent(actor=None, student=world.student, guardian=guardian, purpose="marketing")
    assert purpose.value.code == "unknown_purpose"


def test_the_consent_command_grants_lists_and_revokes(
    world: World, guardian: Guardian, capsys: pytest.CaptureFixture[str]
) -> None:
    code = world.student.national_code
    call_command("consent", "grant", code, "--guardian", "ab123456", "--on", "2025-09-15")
    assert "granted: A100000001 health on 2025-09-15" in capsys.readouterr().out
    call_command("consent", "list", code)
    assert "active" in capsys.readouterr().out
    call_command("consent", "revoke", code)
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No active consent"):
        call_command("consent", "revoke", code)
    with pytest.raises(CommandError, match="no guardian"):
        call_command("consent", "grant", code, "--guardian", "ZZ999")
