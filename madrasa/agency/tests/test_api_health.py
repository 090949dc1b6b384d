"""GET /api/v1/agency/health/{national_code}: a FHIR R4 Bundle only with an active consent; the
JSON validates with fhir.resources (R4B models) and against the shipped R4 definitions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.agency.models import AgencyAccess, AgencyRequest
from madrasa.agency.services import CreatedClient, create_agency_client
from madrasa.health.fhir import validate_with_fhir_resources
from madrasa.health.fhir_check import check_resource
from madrasa.health.services import grant_consent, revoke_consent
from madrasa.registry.models import Guardian

from .conftest import bearer, get_token


@pytest.fixture
def ministry_of_health(world: World) -> CreatedClient:
    return create_agency_client(actor=None, name="Ministère de la Santé", purposes=["health"])


def _get(token: str, code: str) -> Any:
    return Client().get(f"/api/v1/agency/health/{code}", headers=bearer(token))


def test_with_consent_it_answers_a_valid_fhir_r4_bundle(
    world: World, guardian: Guardian, full_record: None, ministry_of_health: CreatedClient
) -> None:
    grant_consent(actor=None, student=world.student, guardian=guardian, purpose="health")
    response = _get(get_token(ministry_of_health), world.student.national_code)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    # the resources of the record, and nothing from outside it (no school, no address)
    kinds = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds == [
        "AllergyIntolerance", "Consent", "Immunization",
        *["Observation"] * 7, "Patient",
    ]  # fmt: skip
    assert world.school.name_fr not in response.content.decode()
    assert "address" not in response.content.decode()
    # valid for fhir.resources (R4B models) ...
    validate_with_fhir_resources(bundle)
    # ... and against the R4 core definitions and vital-signs profiles shipped with the code
    checked = 0
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "AllergyIntolerance":
            continue  # no R4 definition shipped for it; fhir.resources checked it above
        assert check_resource(resource) == [], resource
        checked += 1
    assert checked == 10
    bmi = next(
        e["resource"] for e in bundle["entry"]
        if e["resource"].get("meta", {}).get("profile") == ["http://hl7.org/fhir/StructureDefinition/bmi"]
    )  # fmt: skip
    assert bmi["valueQuantity"]["value"] == 20
    # the access is logged with the purpose's fields, and the family sees it
    assert AgencyAccess.objects.get().student_id == world.student.pk
    page = world.client(Role.PARENT).get(
        f"/agency/pupils/{world.student.uuid}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Ministère de la Santé" in page.content.decode()
    assert "immunizations" in page.content.decode()


def test_without_or_after_revoking_consent_it_refuses_and_shares_nothing(
    world: World, guardian: Guardian, full_record: None, ministry_of_health: CreatedClient
) -> None:
    token = get_token(ministry_of_health)
    none = _get(token, world.student.national_code)
    assert (none.status_code, none.json()["code"]) == (403, "consent_required")
    grant_consent(actor=None, student=world.student, guardian=guardian, purpose="health")
    assert _get(token, world.student.national_code).status_code == 200
    revoke_consent(actor=None, student=world.student, purpose="health")
    revoked = _get(token, world.student.national_code)
    assert (revoked.status_code, revoked.json()["code"]) == (403, "consent_required")
    # an unknown pupil gets the very same refusal (existence is not revealed)
    unknown = _get(token, "Z999999999")
    assert unknown.status_code == 403
    assert unknown.json() == revoked.json()
    malformed = _get(token, "nope")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "malformed_identifiers")
    assert AgencyAccess.objects.count() == 1  # only the consented answer
    assert AgencyRequest.objects.filter(shared=0).count() == 4


def test_a_social_aid_token_sees_no_health_data(
    world: World, guardian: Guardian, full_record: None
) -> None:
    grant_consent(actor=None, student=world.student, guardian=guardian, purpose="health")
    social = create_agency_client(actor=None, name="Aide", purposes=["social_aid"])
    response = _get(get_token(social), world.student.national_code)
    assert (response.status_code, response.json()["code"]) == (403, "purpose_not_in_token")
    assert not AgencyAccess.objects.exists()
