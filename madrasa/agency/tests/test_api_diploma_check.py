"""POST /api/v1/agency/diploma-check: yes/no from the published baccalauréat results, the
minimum fields when yes, nothing when no; logged and shown to the family."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.agency.models import AgencyAccess, AgencyRequest
from madrasa.agency.services import CreatedClient, create_agency_client
from madrasa.enrolment.services import current_year
from madrasa.results.models import ExamSession, Publication, PublishedResult
from madrasa.results.tests.factories import session_for

from .conftest import bearer, get_token

URL = "/api/v1/agency/diploma-check"


@pytest.fixture
def recruiter(world: World) -> CreatedClient:
    return create_agency_client(
        actor=None, name="Concours de la fonction publique", purposes=["recruitment"]
    )


def _publish(world: World, *, outcome: str = "admitted", embargo_in: int = -1) -> Publication:
    """world.student's baccalauréat result, published (a leaf row of the results read model)."""
    session = ExamSession.objects.filter(scheme__code="baccalaureat").first() or session_for(
        "baccalaureat", name="Bac"
    )
    publication = Publication.objects.create(
        session=session,
        version=Publication.objects.filter(session=session).count() + 1,
        status="published",
        embargo_until=timezone.now() + timedelta(hours=embargo_in),
        rows=1,
    )
    PublishedResult.objects.create(
        publication=publication,
        national_code=world.student.national_code,
        birth_date=world.student.birth_date,
        payload={
            "name_ar": "ياسين العلوي",
            "name_latn": "Yassine Alaoui",
            "stream": "SEXP",
            "average": "14.52",
            "mention": "bien",
            "outcome": outcome,
        },
    )
    return publication


def _ask(token: str, **claim: Any) -> Any:
    body = {
        "national_code": "A100000001",
        "birth_date": "2012-03-01",
        "last_name": "ALAOUI",
        "year": current_year().ends_on.year,
        "stream": "sexp",
        **claim,
    }
    return Client().post(URL, body, content_type="application/json", headers=bearer(token))


def test_it_confirms_a_held_diploma_with_the_minimum_fields(
    world: World, recruiter: CreatedClient
) -> None:
    _publish(world)
    token = get_token(recruiter)
    response = _ask(token, mention="bien")
    assert response.status_code == 200
    body = response.json()
    assert body["holds"] is True
    assert (body["stream"], body["mention"], body["year"]) == (
        "SEXP",
        "bien",
        current_year().ends_on.year,
    )
    assert "14.52" not in response.content.decode()  # no average, no name, no school
    assert "Yassine" not in response.content.decode()
    logged = AgencyRequest.objects.get(uuid=body["request_id"])
    assert logged.fields == ["diploma_held", "diploma_year", "diploma_stream", "diploma_mention"]
    assert AgencyAccess.objects.get().student_id == world.student.pk


@pytest.mark.parametrize(
    "claim",
    [
        {"mention": "tres_bien"},
        {"stream": "SMA"},
        {"year": 2001},
        {"last_name": "Bennani"},
        {"birth_date": "2012-03-02"},
        {"national_code": "B200000002"},
    ],
)
def test_any_mismatch_is_a_bare_no(
    world: World, recruiter: CreatedClient, claim: dict[str, Any]
) -> None:
    _publish(world)
    response = _ask(get_token(recruiter), **claim)
    assert response.status_code == 200
    assert response.json()["holds"] is False
    assert {k for k, v in response.json().items() if v is not None} == {"holds", "request_id"}


def test_not_admitted_or_not_yet_published_is_no(world: World, recruiter: CreatedClient) -> None:
    token = get_token(recruiter)
    _publish(world, outcome="failed")
    assert _ask(token).json()["holds"] is False
    # the person's record was consulted: logged (the bare answer's field only)
    assert AgencyRequest.objects.get().fields == ["diploma_held"]
    assert AgencyAccess.objects.count() == 1
    Publication.objects.update(status="withdrawn")
    PublishedResult.objects.all().delete()
    _publish(world, embargo_in=+2)  # under embargo
    assert _ask(token).json()["holds"] is False
    assert AgencyAccess.objects.count() == 1  # nothing visible was consulted


def test_malformed_input_and_another_purpose_are_refused(
    world: World, recruiter: CreatedClient
) -> None:
    token = get_token(recruiter)
    bad = _ask(token, birth_date="1/3/2012")
    assert (bad.status_code, bad.json()["code"]) == (422, "malformed_identifiers")
    social = create_agency_client(actor=None, name="Aide sociale", purposes=["social_aid"])
    other = _ask(get_token(social))
    assert (other.status_code, other.json()["code"]) == (403, "purpose_not_in_token")
    assert not AgencyAccess.objects.exists()
