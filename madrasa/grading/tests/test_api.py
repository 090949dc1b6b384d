"""The grading API end to end: reading a year, the ministry's PUTs, copying a year."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.models import AuditEvent
from madrasa.grading.models import ExamScheme, GradingPolicy, SubjectCoefficient
from madrasa.registry.models import Semester
from madrasa.registry.services import create_school_year

YEAR = "2025-2026"
BASE = f"/api/v1/grading/years/{YEAR}"


def _put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def _policy(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "scale_max": "20",
        "pass_mark": "10",
        "mentions": [
            {"code": "passable", "min": "10"},
            {"code": "assez_bien", "min": "12"},
            {"code": "bien", "min": "14"},
            {"code": "tres_bien", "min": "16"},
        ],
        "decimals": 2,
        "rounding": "half_up",
        "absence_rules": {"ABJ": "excluded", "ABN": "zero", "DIS": "excluded"},
        "semester_weights": ["1", "1"],
        "source": "Note 2025",
    }
    body.update(change)
    return body


@pytest.mark.parametrize("role", [Role.MINISTRY, Role.DIRECTOR, Role.TEACHER])
def test_staff_read_a_year_as_json(world: World, role: Role) -> None:
    response = world.client(role).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == YEAR
    assert body["locked"] is False
    assert body["closed_semesters"] == []
    policy = body["policy"]
    assert (policy["scale_max"], policy["pass_mark"], policy["rounding"]) == (
        "20.00",
        "10.00",
        "half_up",
    )
    assert policy["mentions"][1] == {"code": "assez_bien", "min": "12"}
    assert policy["absence_rules"]["ABN"] == "zero"
    assert len(body["coefficients"]) == 280
    assert {
        "level": "2BAC", "stream": "PC", "subject": "MATH",
        "coefficient": "7.00", "assessments_per_semester": 3,
    } in body["coefficients"]  # fmt: skip
    bac = next(s for s in body["schemes"] if s["code"] == "baccalaureat")
    assert bac["level"] == "2BAC"
    assert bac["resit_min"] == "8.00"
    assert bac["resit_keeps_best"]
    assert [c["weight"] for c in bac["components"]] == ["0.25", "0.25", "0.50"]


@pytest.mark.parametrize("role", [Role.PARENT, Role.PUPIL])
def test_families_cannot_read_it(world: World, role: Role) -> None:
    response = world.client(role).get(BASE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_year_without_policy_reads_as_null(world: World) -> None:
    create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )
    body = world.client(Role.MINISTRY).get("/api/v1/grading/years/2027-2028").json()
    assert body["policy"] is None
    assert body["coefficients"] == []
    assert body["schemes"] == []
    assert world.client(Role.MINISTRY).get("/api/v1/grading/years/1999-2000").status_code == 404


def test_the_ministry_puts_the_policy(world: World) -> None:
    client = world.client(Role.MINISTRY)
    response = _put(client, f"{BASE}/policy", _policy(rounding="down", semester_weights=[1, 2]))
    assert response.status_code == 200, response.content
    assert response.json()["rounding"] == "down"
    policy = GradingPolicy.objects.get(year__code=YEAR)
    assert policy.semester_weights == ["1", "2"]
    assert AuditEvent.objects.filter(action="grading.update_policy").count() == 1
    # PUT again: same state, nothing more audited
    assert (
        _put(
            client, f"{BASE}/policy", _policy(rounding="down", semester_weights=[1, 2])
        ).status_code
        == 200
    )
    assert AuditEvent.objects.filter(action="grading.update_policy").count() == 1


def test_a_refused_policy_says_which_field_and_why(world: World) -> None:
    response = _put(world.client(Role.MINISTRY), f"{BASE}/policy", _policy(pass_mark="25"))
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_grading",
        "detail": "Pass mark: 25 is outside the scale; it must be more than 0 and at most the "
        "top of the scale (20).",
    }


@pytest.mark.parametrize("role", [Role.ACADEMY, Role.DIRECTOR, Role.TEACHER, Role.PARENT])
def test_only_the_ministry_writes(world: World, role: Role) -> None:
    client = world.client(role)
    assert _put(client, f"{BASE}/policy", _policy(pass_mark="9")).status_code == 403
    assert GradingPolicy.objects.get(year__code=YEAR).pass_mark == Decimal(10)
    response = client.post(f"{BASE}/copy-from/2024-2025?replace=true")
    assert response.status_code == 403


def test_the_ministry_puts_a_coefficient_table(world: World) -> None:
    body = {
        "level": "2BAC",
        "stream": "PC",
        "rows": [
            {"subject": "MATH", "coefficient": "7.5", "assessments_per_semester": 3},
            {"subject": "PC", "coefficient": 7, "assessments_per_semester": 3},
            {"subject": "INFO", "coefficient": "1", "assessments_per_semester": 1},
        ],
    }
    response = _put(world.client(Role.MINISTRY), f"{BASE}/coefficients", body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert [r["subject"] for r in out["rows"]] == ["MATH", "PC", "INFO"]
    assert out["added"] == ["2BAC/PC/INFO x1 (1)"]
    assert out["changed"] == [{"old": "2BAC/PC/MATH x7 (3)", "new": "2BAC/PC/MATH x7.5 (3)"}]
    assert len(out["removed"]) == 4
    assert SubjectCoefficient.objects.filter(year__code=YEAR, stream__code="PC").count() == 3


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"level": "ZZ", "rows": []}, "Level: there is no level with the code “ZZ”."),
        ({"level": "P5", "stream": "PC", "rows": []}, "Stream: the level P5 has no stream “PC”."),
        (
            {
                "level": "P5",
                "rows": [{"subject": "MATH", "coefficient": "-1", "assessments_per_semester": 2}],
            },
            "Coefficient of MATH: -1 is not allowed",
        ),
    ],
)
def test_a_refused_table(world: World, body: dict[str, Any], detail: str) -> None:
    response = _put(world.client(Role.MINISTRY), f"{BASE}/coefficients", body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_the_ministry_puts_an_exam_scheme(world: World) -> None:
    body: dict[str, Any] = {
        "level": "C3",
        "components": [
            {"code": "continuous", "weight": "0.4"},
            {"code": "local", "weight": "0.2"},
            {"code": "regional", "weight": "0.4"},
        ],
        "resit_min": None,
        "resit_keeps_best": False,
        "source": "Arrêté 2025",
    }
    client = world.client(Role.MINISTRY)
    response = _put(client, f"{BASE}/schemes/college_certificate", body)
    assert response.status_code == 200, response.content
    assert response.json()["components"][0] == {"code": "continuous", "weight": "0.4"}
    scheme = ExamScheme.objects.get(year__code=YEAR, code="college_certificate")
    assert scheme.weights()["local"] == Decimal("0.2")
    body["components"][1]["weight"] = "0.25"
    response = _put(client, f"{BASE}/schemes/college_certificate", body)
    assert response.status_code == 422
    assert "the weights add up to 1.05, not 1" in response.json()["detail"]


def test_copy_from_starts_a_year_and_a_repeat_is_refused(world: World) -> None:
    create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )
    client = world.client(Role.MINISTRY)
    url = f"/api/v1/grading/years/2027-2028/copy-from/{YEAR}"
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    assert len(response.json()["coefficients"]) == 280
    again = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 422
    assert again.json()["code"] == "policy_exists"
    assert client.post(url + "?replace=true").status_code == 201
    assert SubjectCoefficient.objects.filter(year__code="2027-2028").count() == 280


def test_a_closed_year_is_refused(world: World) -> None:
    Semester.objects.filter(year__code="2024-2025").update(closed_at=timezone.now())
    client = world.client(Role.MINISTRY)
    body = client.get("/api/v1/grading/years/2024-2025").json()
    assert body["locked"] is True
    assert body["closed_semesters"] == [1, 2]
    response = _put(client, "/api/v1/grading/years/2024-2025/policy", _policy(pass_mark="9"))
    assert response.status_code == 422
    assert response.json()["code"] == "year_closed"
