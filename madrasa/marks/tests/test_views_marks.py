"""The marks pages: the class's assessments, the grid (and its no-JavaScript form), history, a
pupil's marks, closing the term and the change requests."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment
from madrasa.marks.models import Assessment, Mark, MarkChangeRequest, TermClosure
from madrasa.marks.services import close_term, save_marks

from .conftest import fill_class, semester


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html


def test_the_class_page_lists_contrôles_and_creates_the_next(world: World) -> None:
    client = world.client(Role.TEACHER)
    page = client.get(f"/marks/classes/{world.classes[0].uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Create contrôle 1" in html
    assert "Mathematics" in html or "Mathématiques" in html
    assert "Arabic" not in html  # only the subjects the teacher teaches
    created = client.post(
        f"/marks/classes/{world.classes[0].uuid}/assessments/", {"subject": "MATH", "semester": 1}
    )
    assessment = Assessment.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/marks/assessments/{assessment.uuid}/"
    # a subject the teacher does not teach is refused
    refused = client.post(
        f"/marks/classes/{world.classes[0].uuid}/assessments/", {"subject": "AR", "semester": 1}
    )
    assert refused.status_code == 403


def test_the_grid_shows_one_input_per_pupil_in_both_scripts(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    fill_class(world.classes[0], 3)
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "12.5")])
    page = world.client(Role.TEACHER).get(f"/marks/assessments/{assessment.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="mark-input"') == 4
    assert 'value="12,5"' in html  # a decimal comma in Arabic
    assert world.student.first_name_ar in html
    assert "ALAOUI" in html
    assert f'data-api-url="/api/v1/assessments/{assessment.uuid}/marks"' in html
    assert "marks/grid.js" in html
    _no_inline_code(html)


def test_the_directorate_reads_the_grid_without_inputs(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    page = world.client(Role.DIRECTORATE).get(f"/marks/assessments/{assessment.uuid}/")
    assert page.status_code == 200
    assert b"mark-input" not in page.content
    post = world.client(Role.DIRECTORATE).post(f"/marks/assessments/{assessment.uuid}/", {})
    assert post.status_code == 403


def test_the_grid_saves_without_javascript(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    client = world.client(Role.TEACHER)
    url = f"/marks/assessments/{assessment.uuid}/"
    saved = client.post(url, {f"m-{enrolment.uuid}": "13,75"}, HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 302
    assert Mark.objects.get().value == Decimal("13.75")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "1 mark saved." in page.content.decode()


def test_a_wrong_value_is_shown_again_with_its_message(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    url = f"/marks/assessments/{assessment.uuid}/"
    page = world.client(Role.TEACHER).post(
        url, {f"m-{enrolment.uuid}": "12,345"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert 'value="12,345"' in html
    assert "a mark has at most two decimals" in html
    assert 'aria-invalid="true"' in html
    assert not Mark.objects.exists()


def test_after_closure_the_grid_asks_for_a_reason(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    close_term(actor=None, school=world.school, semester=semester(1))
    client = world.client(Role.TEACHER)
    url = f"/marks/assessments/{assessment.uuid}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="reason"' in page.content.decode()
    refused = client.post(url, {f"m-{enrolment.uuid}": "10"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    asked = client.post(
        url, {f"m-{enrolment.uuid}": "10", "reason": "Copie retrouvée"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert asked.status_code == 302
    assert MarkChangeRequest.objects.get().reason == "Copie retrouvée"


def test_the_history_page_shows_who_old_new_and_why(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher = world.users[Role.TEACHER]
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "9")])
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "11")])
    url = f"/marks/assessments/{assessment.uuid}/history/?pupil={enrolment.uuid}"
    page = world.client(Role.DIRECTOR).get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<tr>") == 3  # header + two changes
    assert "9.00" in html
    assert "11.00" in html
    assert world.client(Role.TEACHER).get(url).status_code == 200
    assert world.client(Role.DIRECTORATE).get(url).status_code == 403
    assert world.client(Role.DIRECTOR).get(url + "x").status_code == 404


def test_a_parent_sees_the_marks_with_absence_codes_explained(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "abj")])
    page = world.client(Role.PARENT).get(
        f"/marks/pupils/{world.student.uuid}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert '<abbr title="Absent (justified)">ABJ</abbr>' in html
    assert "Exempt" in html  # the legend
    profile = world.client(Role.PARENT).get(f"/pupils/{world.student.uuid}/")
    assert f"/marks/pupils/{world.student.uuid}/".encode() in profile.content
    other = world.client(Role.PARENT).get(f"/marks/pupils/{world.other_student.uuid}/")
    assert other.status_code == 404


def test_the_director_sees_what_is_missing_then_closes_the_term(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    fill_class(world.classes[0], 2)
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "10")])
    client = world.client(Role.DIRECTOR)
    url = f"/marks/schools/{world.school.uuid}/closure/"
    page = client.get(url + "?semester=1", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    # 3 pupils, one contrôle, one mark: 2 missing in mathematics; the other subjects have none
    assert re.search(r'class="figure over">2<', html)
    assert "Close semester 1" in html
    closed = client.post(url, {"semester": "1"})
    assert closed.status_code == 302
    assert TermClosure.objects.get().semester == semester(1)
    assert world.client(Role.TEACHER).get(url).status_code == 403


def test_the_director_approves_a_request_from_the_queue(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    close_term(actor=None, school=world.school, semester=semester(1))
    save_marks(
        actor=world.users[Role.TEACHER],
        assessment=assessment,
        entries=[(enrolment.pk, "16")],
        reason="Barème corrigé",
    )
    client = world.client(Role.DIRECTOR)
    queue = client.get(f"/marks/schools/{world.school.uuid}/requests/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Barème corrigé" in queue.content.decode()
    change = MarkChangeRequest.objects.get()
    decided = client.post(f"/marks/requests/{change.uuid}/decision/", {"decision": "approve"})
    assert decided.status_code == 302
    assert Mark.objects.get().value == Decimal("16.00")
    assert (
        world.client(Role.TEACHER)
        .post(f"/marks/requests/{change.uuid}/decision/", {"decision": "approve"})
        .status_code
        == 403
    )


def test_the_class_page_links_to_the_marks(world: World) -> None:
    page = world.client(Role.TEACHER).get(f"/classes/{world.classes[0].uuid}/")
    assert f"/marks/classes/{world.classes[0].uuid}/".encode() in page.content
