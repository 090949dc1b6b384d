"""POST /api/v1/agency/schooling-status: only the status, unknown identifiers reveal nothing,
one round trip with a bounded number of queries, every access logged and shown to the family."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.agency.models import AgencyAccess, AgencyRequest
from madrasa.agency.services import CreatedClient
from madrasa.attendance.models import SchoolingStatus
from madrasa.registry.models import Guardian, Guardianship, Student

from .conftest import bearer, get_token

URL = "/api/v1/agency/schooling-status"


def _post(token: str, body: dict[str, Any]) -> Any:
    return Client().post(URL, body, content_type="application/json", headers=bearer(token))


def _guardian(world: World) -> Guardian:
    guardian = Guardian.objects.create(national_id="AB123456", first_name_latn="Karim")
    Guardianship.objects.create(student=world.student, guardian=guardian, relation="father")
    return guardian


def test_it_answers_only_the_status_and_logs_only_what_it_shared(
    world: World, social_aid: CreatedClient, month: date
) -> None:
    _guardian(world)
    token = get_token(social_aid)
    response = _post(
        token,
        {
            "month": f"{month:%Y-%m}",
            "identifiers": [
                {"national_code": world.student.national_code},
                {"national_code": "Z999999999"},
                {"guardian_national_id": "ab123456", "birth_date": "2012-03-01"},
                {"guardian_national_id": "AB123456", "birth_date": "2012-03-02"},
            ],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == [
        "enrolled_attending",
        "unknown",
        "enrolled_attending",
        "unknown",
    ]
    # nothing but the status: no name, school, marks or address anywhere in the answer
    text = response.content.decode()
    for secret in ("Yassine", "Alaoui", world.school.name_fr, "school", "birth"):
        assert secret not in text
    # the log: one request, world.student shared once, with the purpose's field only
    logged = AgencyRequest.objects.get(uuid=body["request_id"])
    assert (logged.purpose, logged.identifiers, logged.shared) == ("social_aid", 4, 1)
    assert logged.fields == ["schooling_status"]
    assert list(AgencyAccess.objects.values_list("student_id", flat=True)) == [world.student.pk]


def test_every_access_appears_in_the_familys_view(
    world: World, social_aid: CreatedClient, month: date
) -> None:
    token = get_token(social_aid)
    for _ in range(2):
        _post(
            token,
            {
                "month": f"{month:%Y-%m}",
                "identifiers": [{"national_code": world.student.national_code}],
            },
        )
    # a refused request shares nothing and does not show
    _post(
        token, {"month": "2026-13", "identifiers": [{"national_code": world.student.national_code}]}
    )
    parent = world.client(Role.PARENT)
    page = parent.get(f"/agency/pupils/{world.student.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("Caisse d&#x27;aide sociale") == 2
    assert "Social aid (schooling status for the child allowance)" in html
    # the other family sees nothing of it
    other = parent.get(f"/agency/pupils/{world.other_student.uuid}/")
    assert other.status_code == 404
    # and the ministry finds the requests in the log, by pupil
    log = world.client(Role.MINISTRY).get(
        "/agency/log/", {"code": world.student.national_code}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert log.content.decode().count("/api/v1/agency/schooling-status") == 2
    refused = world.client(Role.MINISTRY).get("/agency/log/", {"refused": "1"})
    assert "invalid_month" in refused.content.decode()
    assert world.client(Role.DIRECTOR).get("/agency/log/").status_code == 403


@pytest.mark.parametrize(
    ("identifier", "problem"),
    [
        ({"national_code": "12345"}, "malformed_national_code"),
        ({"guardian_national_id": "AB123456", "birth_date": "01/03/2012"}, "malformed_birth_date"),
        (
            {"guardian_national_id": "12-34", "birth_date": "2012-03-01"},
            "malformed_guardian_national_id",
        ),
        ({"national_code": "A100000001", "birth_date": "2012-03-01"}, "two_kinds_of_identifier"),
        ({}, "empty_identifier"),
    ],
)
def test_a_malformed_identifier_refuses_the_batch_and_shares_nothing(
    world: World, social_aid: CreatedClient, month: date, identifier: dict[str, str], problem: str
) -> None:
    token = get_token(social_aid)
    body = {
        "month": f"{month:%Y-%m}",
        "identifiers": [{"national_code": world.student.national_code}, identifier],
    }
    response = _post(token, body)
    assert response.status_code == 422
    assert response.json()["code"] == "malformed_identifiers"
    assert f"#1: {problem}" in response.json()["detail"]
    assert not AgencyAccess.objects.exists()
    assert AgencyRequest.objects.get().error_code == "malformed_identifiers"


def test_a_batch_over_the_limit_is_refused(
    world: World, social_aid: CreatedClient, month: date
) -> None:
    token = get_token(social_aid)
    identifiers = [{"national_code": world.student.national_code}] * 10_001
    response = _post(token, {"month": f"{month:%Y-%m}", "identifiers": identifiers})
    assert (response.status_code, response.json()["code"]) == (413, "batch_too_large")
    assert not AgencyAccess.objects.exists()


def test_a_month_not_computed_is_a_clear_refusal(world: World, social_aid: CreatedClient) -> None:
    token = get_token(social_aid)
    response = _post(token, {"month": "2019-01", "identifiers": [{"national_code": "A100000001"}]})
    assert (response.status_code, response.json()["code"]) == (409, "month_not_available")
    empty = _post(token, {"month": "2019-01", "identifiers": []})
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_batch")


def _many_pupils(world: World, month: date, count: int) -> list[str]:
    """`count` pupils with a status for the month, built set-based."""
    codes = [f"Z{n:09d}" for n in range(count)]
    Student.objects.bulk_create(
        [
            Student(
                national_code=code,
                first_name_ar="أ",
                last_name_ar="ب",
                first_name_latn="A",
                last_name_latn="B",
                birth_date=date(2012, 1, 1),
                gender="F",
                school=world.school,
            )
            for code in codes
        ],
        batch_size=2000,
    )
    ids = Student.objects.filter(national_code__startswith="Z").values_list("id", flat=True)
    now = timezone.now()
    SchoolingStatus.objects.bulk_create(
        [
            SchoolingStatus(student_id=i, month=month, status="enrolled_attending", computed_at=now)
            for i in ids
        ],
        batch_size=2000,
    )
    return codes


def test_ten_thousand_identifiers_take_one_round_trip_and_a_bounded_number_of_queries(
    world: World,
    social_aid: CreatedClient,
    month: date,
    django_assert_max_num_queries: Any,
) -> None:
    # given: 9,000 known pupils, 500 unknown codes, 500 guardian pairs
    codes = _many_pupils(world, month, 9_000)
    guardian = _guardian(world)
    identifiers: list[dict[str, str]] = [{"national_code": c} for c in codes]
    identifiers += [{"national_code": f"Y{n:09d}"} for n in range(500)]
    identifiers += [
        {"guardian_national_id": guardian.national_id, "birth_date": "2012-03-01"}
    ] * 500
    token = get_token(social_aid)
    # when
    with django_assert_max_num_queries(20):
        response = _post(token, {"month": f"{month:%Y-%m}", "identifiers": identifiers})
    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 10_000
    assert sum(r["status"] == "unknown" for r in results) == 500
    assert AgencyAccess.objects.count() == 9_001
