"""The school health record as FHIR R4 resources, for the health ministry.

One `Bundle` (type collection): the `Patient` (identity only: national code, names, gender,
birth date — no address, no school), its `Immunization`s, `Observation`s (growth screenings as
the vital-signs profiles bodyheight / bodyweight / bmi with their LOINC codes; vision and
hearing with Madrasa's own codes), `AllergyIntolerance`s and the `Consent` that allows the
exchange.

The JSON is FHIR R4 (4.0.1). It is checked with `fhir.resources.R4B` before it leaves: the
`fhir.resources` package is FHIR R5 by default, and R5 reshaped Consent (and more) while R4B
kept R4's structure for these resources, so R4B is the closest model it ships. The R4 core
StructureDefinitions (madrasa/health/fhir_r4/) then check it structurally (fhir_check.py; the
tests run both).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings

from madrasa.registry.models import Student

from .models import Allergy, Consent, Immunization, Screening

__all__ = ["health_bundle", "validate_with_fhir_resources"]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs",
            "display": "Vital Signs",
        }
    ]
}
EXAM = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "exam",
            "display": "Exam",
        }
    ]
}
MADRASA_CODES = "urn:madrasa:school-health"
VACCINE_SYSTEM = "urn:madrasa:vaccine"


def _system() -> str:
    return str(getattr(settings, "MADRASA_FHIR_NATIONAL_CODE_SYSTEM", "urn:madrasa:national-code"))


def _ref(uuid: Any) -> str:
    return f"urn:uuid:{uuid}"


def _number(value: Decimal) -> float | int:
    """A JSON number for a decimal (FHIR decimals are JSON numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _patient(student: Student) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": str(student.uuid),
        "identifier": [{"use": "official", "system": _system(), "value": student.national_code}],
        "name": [
            {
                "use": "official",
                "family": student.last_name_latn,
                "given": [student.first_name_latn],
            },
            {
                "use": "usual",
                "text": f"{student.first_name_ar} {student.last_name_ar}",
                "family": student.last_name_ar,
                "given": [student.first_name_ar],
            },
        ],
        "gender": "female" if student.gender == Student.Gender.FEMALE else "male",
        "birthDate": student.birth_date.isoformat(),
    }


def _immunization(item: Immunization, patient: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "id": str(item.uuid),
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {
                    "system": VACCINE_SYSTEM,
                    "code": item.vaccine,
                    "display": item.get_vaccine_display(),
                }
            ],
            "text": item.get_vaccine_display(),
        },
        "patient": {"reference": patient},
        "occurrenceDateTime": item.occurred_on.isoformat(),
        "primarySource": False,
        "protocolApplied": [{"doseNumberPositiveInt": item.dose_number}],
    }
    if item.lot_number:
        resource["lotNumber"] = item.lot_number
    return resource


def _vital(
    screening: Screening,
    patient: str,
    *,
    suffix: str,
    profile: str,
    loinc: str,
    display: str,
    value: Decimal,
    unit: str,
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(screening.uuid, suffix)),
        "meta": {"profile": [f"http://hl7.org/fhir/StructureDefinition/{profile}"]},
        "status": "final",
        "category": [VITAL_SIGNS],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}], "text": display},
        "subject": {"reference": patient},
        "effectiveDateTime": screening.screened_on.isoformat(),
        "valueQuantity": {"value": _number(value), "unit": unit, "system": UCUM, "code": unit},
    }


def _exam(
    screening: Screening, patient: str, *, side: str, value: dict[str, Any]
) -> dict[str, Any]:
    code = f"{screening.kind}-{side}"
    return {
        "resourceType": "Observation",
        "id": str(uuid.uuid5(screening.uuid, side)),
        "status": "final",
        "category": [EXAM],
        "code": {
            "coding": [{"system": MADRASA_CODES, "code": code}],
            "text": f"{screening.get_kind_display()} ({side})",
        },
        "subject": {"reference": patient},
        "effectiveDateTime": screening.screened_on.isoformat(),
        **value,
    }


def _observations(screening: Screening, patient: str) -> list[dict[str, Any]]:
    if screening.kind == Screening.Kind.GROWTH:
        assert screening.height_cm is not None  # noqa: S101  a constraint guarantees them
        assert screening.weight_kg is not None  # noqa: S101  a constraint guarantees it
        assert screening.bmi is not None  # noqa: S101  a constraint guarantees it
        return [
            _vital(screening, patient, suffix="height", profile="bodyheight", loinc="8302-2",
                   display="Body height", value=screening.height_cm, unit="cm"),
            _vital(screening, patient, suffix="weight", profile="bodyweight", loinc="29463-7",
                   display="Body weight", value=screening.weight_kg, unit="kg"),
            _vital(screening, patient, suffix="bmi", profile="bmi", loinc="39156-5",
                   display="Body mass index (BMI) [Ratio]", value=screening.bmi, unit="kg/m2"),
        ]  # fmt: skip
    if screening.kind == Screening.Kind.VISION:
        return [
            _exam(
                screening,
                patient,
                side=side,
                value={
                    "valueQuantity": {
                        "value": _number(acuity),
                        "unit": "decimal acuity",
                        "system": UCUM,
                        "code": "1",
                    }
                },
            )
            for side, acuity in (("left", screening.acuity_left), ("right", screening.acuity_right))
            if acuity is not None
        ]
    return [
        _exam(
            screening,
            patient,
            side=side,
            value={
                "valueCodeableConcept": {
                    "coding": [{"system": MADRASA_CODES, "code": f"hearing-{result}"}],
                    "text": str(Screening.Hearing(result).label),
                }
            },
        )
        for side, result in (("left", screening.hearing_left), ("right", screening.hearing_right))
    ]


def _allergy(item: Allergy, patient: str) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": str(item.uuid),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "category": [item.category],
        "criticality": item.criticality,
        "code": {"text": item.substance},
        "patient": {"reference": patient},
        "recordedDate": item.noted_on.isoformat(),
    }


def _consent(consent: Consent, patient: str) -> dict[str, Any]:
    guardian = consent.guardian
    name = f"{guardian.first_name_latn} {guardian.last_name_latn}".strip() or "guardian"
    return {
        "resourceType": "Consent",
        "id": str(consent.uuid),
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent"}]}],
        "patient": {"reference": patient},
        "dateTime": consent.given_on.isoformat(),
        "performer": [{"display": name}],
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": {
            "type": "permit",
            "period": {"start": consent.given_on.isoformat()},
            "purpose": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                    "code": "PUBHLTH",
                    "display": "public health",
                }
            ],
        },
    }


def health_bundle(
    student: Student,
    consent: Consent,
    *,
    immunizations: list[Immunization],
    screenings: list[Screening],
    allergies: list[Allergy],
    bundle_id: str,
    timestamp: str,
) -> dict[str, Any]:
    """The Bundle sent to the health ministry (the caller checked the consent)."""
    patient = _ref(student.uuid)
    resources: list[tuple[str, dict[str, Any]]] = [(patient, _patient(student))]
    resources += [(_ref(i.uuid), _immunization(i, patient)) for i in immunizations]
    for screening in screenings:
        for observation in _observations(screening, patient):
            resources.append((f"urn:uuid:{observation['id']}", observation))
    resources += [(_ref(a.uuid), _allergy(a, patient)) for a in allergies]
    resources.append((_ref(consent.uuid), _consent(consent, patient)))
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "timestamp": timestamp,
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in resources],
    }


def validate_with_fhir_resources(bundle: dict[str, Any]) -> None:
    """Parse the bundle with fhir.resources' R4B models (raises on an invalid resource)."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
