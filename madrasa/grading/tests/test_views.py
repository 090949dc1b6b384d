"""The grading pages: who sees them, the ministry's edits with their refusals next to the field,
a closed year shown read-only, starting a year from another one."""

from __future__ import annotations

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
from madrasa.registry.models import SchoolYear, Semester
from madrasa.registry.services import create_school_year

YEAR = "2025-2026"


def _client(world: World, role: Role = Role.MINISTRY, lang: str = "en") -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _policy_post(**change: str) -> dict[str, str]:
    data = {
        "scale_max": "20",
        "pass_mark": "10",
        "decimals": "2",
        "rounding": "half_up",
        "source": "Note 2025",
        "mention_code_0": "passable",
        "mention_min_0": "10",
        "mention_code_1": "assez_bien",
        "mention_min_1": "12",
        "mention_code_2": "bien",
        "mention_min_2": "14",
        "mention_code_3": "tres_bien",
        "mention_min_3": "16",
        "absence_ABJ": "excluded",
        "absence_ABN": "zero",
        "absence_DIS": "excluded",
        "weight_1": "1",
        "weight_2": "1",
    }
    data.update(change)
    return data


def _close_year(code: str) -> None:
    Semester.objects.filter(year__code=code).update(closed_at=timezone.now())


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
@pytest.mark.parametrize("role", [Role.MINISTRY, Role.ACADEMY, Role.TEACHER])
def test_staff_see_the_years_and_a_years_policy(world: World, role: Role, lang: str) -> None:
    client = _client(world, role, lang)
    index = client.get("/grading/")
    assert index.status_code == 200
    assert f"/grading/{YEAR}/" in index.content.decode()
    page = client.get(f"/grading/{YEAR}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2BAC/PC" in html  # a stream's coefficient table
    assert "<code>ABN</code>" in html
    edit_link = f"/grading/{YEAR}/policy/"
    assert (edit_link in html) is (role == Role.MINISTRY)


def test_the_year_page_shows_the_rules_in_the_page_language(world: World) -> None:
    html = _client(world, lang="en").get(f"/grading/{YEAR}/").content.decode()
    assert "Assez bien (fairly good)" in html
    assert "Regional exam: 25" in html
    assert "National exam: 50" in html
    assert "from 8 to below 10" in html
    html_ar = _client(world, lang="ar").get(f"/grading/{YEAR}/").content.decode()
    assert 'dir="rtl"' in html_ar
    assert "الرياضيات" in html_ar  # subject names in Arabic


@pytest.mark.parametrize("role", [Role.PARENT, Role.PUPIL, Role.AGENCY])
def test_families_and_agencies_do_not_see_the_grading_pages(world: World, role: Role) -> None:
    client = world.client(role)
    assert client.get("/grading/").status_code == 403
    assert client.get(f"/grading/{YEAR}/").status_code == 403


@pytest.mark.parametrize("role", [Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER])
def test_only_the_ministry_edits(world: World, role: Role) -> None:
    client = world.client(role)
    assert client.get(f"/grading/{YEAR}/policy/").status_code == 403
    assert client.post(f"/grading/{YEAR}/policy/", _policy_post(pass_mark="9")).status_code == 403
    assert GradingPolicy.objects.get(year__code=YEAR).pass_mark == Decimal(10)


def test_an_unknown_year_is_not_found(world: World) -> None:
    assert _client(world).get("/grading/1999-2000/").status_code == 404


def test_the_ministry_edits_the_rules(world: World) -> None:
    client = _client(world)
    form = client.get(f"/grading/{YEAR}/policy/")
    assert form.status_code == 200
    assert 'value="passable"' in form.content.decode()
    response = client.post(
        f"/grading/{YEAR}/policy/",
        _policy_post(
            pass_mark="10,5",  # a comma is accepted
            mention_min_0="10,5",
            rounding="down",
            mention_code_4="excellent",
            mention_min_4="١٨",  # Arabic digits are accepted
            weight_2="2",
        ),
    )
    assert response.status_code == 302
    policy = GradingPolicy.objects.get(year__code=YEAR)
    assert policy.pass_mark == Decimal("10.5")
    assert policy.rounding == "down"
    assert policy.mentions[-1] == {"code": "excellent", "min": "18"}
    assert policy.semester_weights == ["1", "2"]
    event = AuditEvent.objects.filter(action="grading.update_policy").get()
    assert event.actor_username == "ministry.user"
    assert event.data["changes"]["pass_mark"] == {"old": "10", "new": "10.5"}


def test_removing_a_mention_by_clearing_its_row(world: World) -> None:
    response = _client(world).post(
        f"/grading/{YEAR}/policy/", _policy_post(mention_code_3="", mention_min_3="")
    )
    assert response.status_code == 302
    codes = [m["code"] for m in GradingPolicy.objects.get(year__code=YEAR).mentions]
    assert codes == ["passable", "assez_bien", "bien"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"pass_mark": "25"}, "pass_mark", "Pass mark: 25 is outside the scale"),
        ({"pass_mark": "dix"}, "pass_mark", "“dix” is not a number."),
        ({"mention_min_1": "9"}, "mention_min_1", "Mention 2 (assez_bien): the minimum 9"),
        ({"mention_min_2": ""}, "mention_min_2", "Mention 3 (bien): give the mark it starts from."),
        ({"weight_1": "0", "weight_2": "0"}, "weight_1", "they are all 0"),
        ({"weight_2": "11"}, "weight_2", "Weight of semester 2: 11 is not allowed"),
        ({"source": " "}, "source", ""),
    ],
)
def test_a_refused_value_is_shown_next_to_its_field(
    world: World, change: dict[str, str], field: str, words: str
) -> None:
    response = _client(world).post(f"/grading/{YEAR}/policy/", _policy_post(**change))
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert words in " ".join(form.errors[field])
    assert not AuditEvent.objects.filter(action="grading.update_policy").exists()


def test_a_refusal_is_translated(world: World) -> None:
    response = _client(world, lang="fr").post(
        f"/grading/{YEAR}/policy/", _policy_post(pass_mark="dix")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["pass_mark"]


def test_the_ministry_edits_a_coefficient_table(world: World) -> None:
    client = _client(world)
    url = f"/grading/{YEAR}/coefficients/?level=2BAC&stream=PC"
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="coef_MATH"' in form.content.decode()
    data = {
        "coef_EN": "2", "n_EN": "2",
        "coef_PHILO": "2", "n_PHILO": "2",
        "coef_MATH": "7,5", "n_MATH": "3",
        "coef_PC": "7", "n_PC": "3",
        "coef_SVT": "5", "n_SVT": "3", "remove_SVT": "on",
        "coef_EPS": "1", "n_EPS": "2",
        "new_subject": "INFO", "new_coefficient": "1", "new_assessments": "1",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    rows = {
        r.subject.code: (r.coefficient, r.assessments_per_semester)
        for r in SubjectCoefficient.objects.filter(
            year__code=YEAR, level__code="2BAC", stream__code="PC"
        ).select_related("subject")
    }
    assert rows["MATH"] == (Decimal("7.5"), 3)
    assert rows["INFO"] == (Decimal(1), 1)
    assert "SVT" not in rows
    event = AuditEvent.objects.filter(action="grading.update_coefficients").get()
    assert event.data["removed"] == ["2BAC/PC/SVT x5 (3)"]
    # a bad value is shown next to its row
    data = {"coef_EN": "2", "n_EN": "2", "coef_PHILO": "2", "n_PHILO": "2", "coef_MATH": "0",
            "n_MATH": "3", "coef_PC": "7", "n_PC": "3", "coef_EPS": "1", "n_EPS": "2",
            "coef_INFO": "1", "n_INFO": "1"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Coefficient of MATH: 0 is not allowed" in " ".join(
        response.context["form"].errors["coef_MATH"]
    )


def test_the_coefficient_page_without_a_table_offers_the_choice(world: World) -> None:
    response = _client(world).get(f"/grading/{YEAR}/coefficients/")
    assert response.status_code == 200
    assert "?level=TC&amp;stream=TCS" in response.content.decode()
    assert _client(world).get(f"/grading/{YEAR}/coefficients/?level=ZZ").status_code == 200


def test_the_ministry_edits_an_exam_scheme_and_the_weights_must_make_1(world: World) -> None:
    client = _client(world)
    assert client.get(f"/grading/{YEAR}/schemes/").status_code == 200
    data: dict[str, Any] = {
        "scheme": "baccalaureat",
        "baccalaureat-level": "2BAC",
        "baccalaureat-weight_continuous": "0.25",
        "baccalaureat-weight_regional": "0.25",
        "baccalaureat-weight_national": "0.40",
        "baccalaureat-resit_min": "8",
        "baccalaureat-resit_keeps_best": "on",
        "baccalaureat-source": "Note 2025",
    }
    response = client.post(f"/grading/{YEAR}/schemes/", data)
    assert response.status_code == 422
    form = {code: f for code, _label, f in response.context["forms"]}["baccalaureat"]
    assert "the weights add up to 0.9, not 1" in " ".join(form.non_field_errors())
    data["baccalaureat-weight_national"] = "0,5"
    data["baccalaureat-resit_min"] = "9"
    assert client.post(f"/grading/{YEAR}/schemes/", data).status_code == 302
    scheme = ExamScheme.objects.get(year__code=YEAR, code="baccalaureat")
    assert scheme.resit_min == Decimal(9)
    assert scheme.source == "Note 2025"


def test_a_resit_minimum_at_the_pass_mark_is_refused_next_to_its_field(world: World) -> None:
    data = {
        "scheme": "baccalaureat_free",
        "baccalaureat_free-level": "2BAC",
        "baccalaureat_free-weight_regional": "0.5",
        "baccalaureat_free-weight_national": "0.5",
        "baccalaureat_free-resit_min": "10",
        "baccalaureat_free-source": "x",
    }
    response = _client(world).post(f"/grading/{YEAR}/schemes/", data)
    assert response.status_code == 422
    form = {code: f for code, _label, f in response.context["forms"]}["baccalaureat_free"]
    assert "Resit minimum: 10 is not allowed" in " ".join(form.errors["resit_min"])


def test_a_closed_year_is_read_only_and_says_why(world: World) -> None:
    _close_year("2024-2025")
    client = _client(world)
    page = client.get("/grading/2024-2025/")
    html = page.content.decode()
    assert "This school year is closed" in html
    assert "/grading/2024-2025/policy/" not in html
    response = client.post("/grading/2024-2025/policy/", _policy_post(pass_mark="11"))
    assert response.status_code == 302
    assert GradingPolicy.objects.get(year__code="2024-2025").pass_mark == Decimal(10)
    followed = client.get(response["Location"]).content.decode()
    assert "It can no longer be changed" in followed


def test_a_partly_closed_year_warns(world: World) -> None:
    Semester.objects.filter(year__code=YEAR, number=1).update(closed_at=timezone.now())
    html = _client(world).get(f"/grading/{YEAR}/policy/").content.decode()
    assert "A change made now applies to what is computed from now on" in html


def test_a_new_year_starts_from_another_year_or_from_the_defaults(world: World) -> None:
    create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )
    client = _client(world)
    html = client.get("/grading/2027-2028/").content.decode()
    assert "No grading policy yet" in html
    response = client.post("/grading/2027-2028/copy/", {"source": YEAR})
    assert response.status_code == 302
    assert SubjectCoefficient.objects.filter(year__code="2027-2028").count() == 280
    # again: it has a policy now, so the ministry must tick "replace"
    response = client.post("/grading/2027-2028/copy/", {"source": "2024-2025"})
    assert response.status_code == 422
    assert "tick the box to replace it" in " ".join(response.context["form"].errors["replace"])
    response = client.post("/grading/2027-2028/copy/", {"source": "2024-2025", "replace": "on"})
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="grading.copy_year", object_id="2027-2028")
    assert [e.data["from"] for e in events.order_by("seq")] == [YEAR, "2024-2025"]
    # the defaults button only for a year without policy
    GradingPolicy.objects.filter(year__code="2027-2028").delete()
    SubjectCoefficient.objects.filter(year__code="2027-2028").delete()
    ExamScheme.objects.filter(year__code="2027-2028").delete()
    assert client.post("/grading/2027-2028/defaults/").status_code == 302
    assert GradingPolicy.objects.filter(year__code="2027-2028").exists()
    assert SchoolYear.objects.get(code="2027-2028").coefficients.count() == 280
