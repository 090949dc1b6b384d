"""Writes of the school health record and of consents. Atomic and audited (the audit entry names
what was recorded, never the health values themselves)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import Guardian, Guardianship, Student

from .models import Allergy, Consent, ConsentPurpose, Immunization, Screening, Vaccine
from .rules import bmi

__all__ = [
    "grant_consent",
    "record_allergy",
    "record_immunization",
    "record_screening",
    "revoke_consent",
]

HEIGHT_RANGE = (Decimal("60"), Decimal("220"))
WEIGHT_RANGE = (Decimal("8"), Decimal("200"))


def _check_day(day: date, student: Student) -> None:
    if day > timezone.localdate() or day < student.birth_date:
        raise InvalidInput(_("The date must be between the birth date and today."), code="bad_date")


def _audit(
    actor: User | None, action: str, student: Student, obj_uuid: object, **data: str
) -> None:
    record_event(
        actor=actor,
        action=action,
        object_type="pupil",
        object_id=student.uuid,
        data={"student": student.national_code, "record": str(obj_uuid), **data},
    )


# Consent ------------------------------------------------------------------------------------


@transaction.atomic
def grant_consent(
    *,
    actor: User | None,
    student: Student,
    guardian: Guardian,
    purpose: str,
    given_on: date | None = None,
) -> Consent:
    """Record a guardian's consent for a purpose (one active consent per pupil and purpose)."""
    if purpose not in ConsentPurpose.values:
        raise InvalidInput(
            _("Unknown purpose %(purpose)s.") % {"purpose": purpose}, code="unknown_purpose"
        )
    if not Guardianship.objects.filter(student=student, guardian=guardian).exists():
        raise InvalidInput(
            _("Only a guardian of the pupil can give this consent."), code="not_a_guardian"
        )
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise InvalidInput(_("A consent cannot be dated in the future."), code="bad_date")
    if Consent.objects.filter(student=student, purpose=purpose, revoked_at__isnull=True).exists():
        raise InvalidInput(
            _("A consent for this purpose is already active."), code="consent_already_active"
        )
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                student=student,
                purpose=purpose,
                guardian=guardian,
                given_on=given_on,
                recorded_by=actor,
                recorded_at=timezone.now(),
            )
    except IntegrityError:
        raise InvalidInput(
            _("A consent for this purpose is already active."), code="consent_already_active"
        ) from None
    _audit(
        actor,
        "health.consent_grant",
        student,
        consent.uuid,
        purpose=purpose,
        guardian=str(guardian.uuid),
        given_on=given_on.isoformat(),
    )
    return consent


@transaction.atomic
def revoke_consent(
    *, actor: User | None, student: Student, purpose: str, revoked_on: date | None = None
) -> Consent:
    """Revoke the active consent: from now on nothing is shared for this purpose."""
    consent = (
        Consent.objects.select_for_update()
        .filter(student=student, purpose=purpose, revoked_at__isnull=True)
        .first()
    )
    if consent is None:
        raise InvalidInput(_("No active consent for this purpose."), code="no_active_consent")
    consent.revoked_on = revoked_on or timezone.localdate()
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.save(update_fields=["revoked_on", "revoked_at", "revoked_by"])
    _audit(actor, "health.consent_revoke", student, consent.uuid, purpose=purpose)
    return consent


# The health record --------------------------------------------------------------------------


@transaction.atomic
def record_immunization(
    *,
    actor: User | None,
    student: Student,
    vaccine: str,
    occurred_on: date,
    dose_number: int = 1,
    lot_number: str = "",
) -> Immunization:
    if vaccine not in Vaccine.values:
        raise InvalidInput(_("Unknown vaccine."), code="unknown_vaccine")
    if not 1 <= dose_number <= 9:
        raise InvalidInput(_("The dose number is between 1 and 9."), code="bad_dose")
    _check_day(occurred_on, student)
    immunization = Immunization.objects.create(
        student=student,
        vaccine=vaccine,
        dose_number=dose_number,
        occurred_on=occurred_on,
        lot_number=lot_number.strip()[:40],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _audit(actor, "health.immunization", student, immunization.uuid, vaccine=vaccine)
    return immunization


@transaction.atomic
def record_screening(
    *,
    actor: User | None,
    student: Student,
    kind: str,
    screened_on: date,
    height_cm: Decimal | None = None,
    weight_kg: Decimal | None = None,
    acuity_left: Decimal | None = None,
    acuity_right: Decimal | None = None,
    hearing_left: str = "",
    hearing_right: str = "",
    note: str = "",
) -> Screening:
    """A growth screening needs height and weight (the BMI is computed); a vision screening
    both eyes' decimal acuity; a hearing screening both ears' result."""
    _check_day(screened_on, student)
    screening = Screening(
        student=student,
        kind=kind,
        screened_on=screened_on,
        note=note.strip()[:300],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    if kind == Screening.Kind.GROWTH:
        if height_cm is None or weight_kg is None:
            raise InvalidInput(_("Give the height and the weight."), code="incomplete_screening")
        if not HEIGHT_RANGE[0] <= height_cm <= HEIGHT_RANGE[1]:
            raise InvalidInput(_("The height is between 60 and 220 cm."), code="bad_height")
        if not WEIGHT_RANGE[0] <= weight_kg <= WEIGHT_RANGE[1]:
            raise InvalidInput(_("The weight is between 8 and 200 kg."), code="bad_weight")
        screening.height_cm = height_cm
        screening.weight_kg = weight_kg
        screening.bmi = bmi(height_cm, weight_kg)
    elif kind == Screening.Kind.VISION:
        if acuity_left is None or acuity_right is None:
            raise InvalidInput(_("Give the acuity of both eyes."), code="incomplete_screening")
        screening.acuity_left = acuity_left
        screening.acuity_right = acuity_right
    elif kind == Screening.Kind.HEARING:
        results = set(Screening.Hearing.values)
        if hearing_left not in results or hearing_right not in results:
            raise InvalidInput(_("Give the result for both ears."), code="incomplete_screening")
        screening.hearing_left = hearing_left
        screening.hearing_right = hearing_right
    else:
        raise InvalidInput(_("Unknown kind of screening."), code="unknown_screening")
    screening.save()
    _audit(actor, "health.screening", student, screening.uuid, kind=kind)
    return screening


@transaction.atomic
def record_allergy(
    *,
    actor: User | None,
    student: Student,
    substance: str,
    category: str,
    criticality: str,
    noted_on: date,
) -> Allergy:
    substance = " ".join(substance.split())
    if not 2 <= len(substance) <= 120:
        raise InvalidInput(_("Name the substance (2 to 120 characters)."), code="bad_substance")
    if category not in Allergy.Category.values or criticality not in Allergy.Criticality.values:
        raise InvalidInput(_("Choose a category and a criticality."), code="bad_allergy")
    _check_day(noted_on, student)
    allergy = Allergy.objects.create(
        student=student,
        substance=substance,
        category=category,
        criticality=criticality,
        noted_on=noted_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    _audit(actor, "health.allergy", student, allergy.uuid, category=category)
    return allergy
