"""Results pages: results day (public, three languages) and the exam administration's pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.results.models import ExamCandidate, ExamSession, Publication
from madrasa.results.services import compute_results, publish_results

from .factories import BIRTH, candidate, marks, session_for, students

D = Decimal


def _computed(world: World) -> ExamSession:
    """Two candidates: R000000000 in the world's school (region 04), R000000001 in the other
    school (region 06)."""
    session = session_for("college_certificate", name="Certificat collégial")
    for pupil, centre in zip(
        students(2, world.school), (world.school, world.other_school), strict=True
    ):
        row = candidate(session, pupil, centre=centre)
        marks(
            row,
            [
                ("continuous", None, D("15")),
                ("local", "MATH", D("14")),
                ("regional", "MATH", D("16")),
            ],
        )
    compute_results(actor=None, session=session)
    return session


def test_results_day_page_shows_a_result_in_each_language(world: World) -> None:
    session = _computed(world)
    publish_results(actor=None, session=session)
    expected = {"ar": "مقبول", "fr": "Admis", "en": "Admitted"}
    for language in ("ar", "fr", "en"):
        client = Client(REMOTE_ADDR=f"10.8.0.{len(language)}")
        index = client.get("/results/", HTTP_ACCEPT_LANGUAGE=language)
        assert index.status_code == 200
        assert "Certificat collégial" in index.content.decode()
        answer = client.post(
            f"/results/{session.uuid}/",
            {"code": "R000000000", "birth_date": BIRTH.isoformat()},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert answer.status_code == 200
        body = answer.content.decode()
        # 0.3 * 15 + 0.3 * 14 + 0.4 * 16 = 15.10
        assert "15.10" in body or "15,10" in body
        assert answer["Cache-Control"] == "private, no-store"
        if language == "en":
            assert expected["en"] in body
        assert f'lang="{language}"' in body
    arabic = Client().get("/results/", HTTP_ACCEPT_LANGUAGE="ar")
    assert 'dir="rtl"' in arabic.content.decode()


def test_results_day_page_gives_one_answer_for_wrong_data(world: World) -> None:
    session = _computed(world)
    publish_results(actor=None, session=session)
    client = Client()
    wrong = client.post(
        f"/results/{session.uuid}/",
        {"code": "R000000000", "birth_date": "2001-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    unknown = client.post(
        f"/results/{session.uuid}/",
        {"code": "Q000000000", "birth_date": "2001-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == unknown.status_code == 200
    assert "No result matches this national code" in wrong.content.decode()
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", wrong.content).replace(b"R000000000", b"Q000000000") == token.sub(
        b"", unknown.content
    )


def test_results_day_page_says_not_yet_before_the_embargo(world: World) -> None:
    session = _computed(world)
    publish_results(actor=None, session=session, embargo_until=timezone.now() + timedelta(hours=2))
    assert "Certificat" not in Client().get("/results/").content.decode()
    answer = Client().post(
        f"/results/{session.uuid}/",
        {"code": "R000000000", "birth_date": BIRTH.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not published yet" in answer.content.decode()
    assert "15.10" not in answer.content.decode()


def _upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("marks.csv", content.encode(), content_type="text/csv")


def test_the_ministry_runs_a_session_from_its_pages(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client(Role.MINISTRY)
    from madrasa.grading.models import ExamScheme

    scheme = ExamScheme.objects.get(year__is_current=True, code="college_certificate")
    # create
    created = client.post(
        "/results/exams/", {"scheme": scheme.pk, "session": "normal", "name": "CEC 2026"}
    )
    session = ExamSession.objects.get(name="CEC 2026")
    assert created.status_code == 302
    # import a file with a problem: listed, nothing written
    [pupil] = students(1, world.school)
    bad = client.post(
        f"/results/exams/{session.uuid}/import/",
        {"file": _upload("national_code,component,subject,mark\nR000000000,local,MATH,25\n")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 422
    assert "is not a mark between 0 and 20" in bad.content.decode()
    assert not ExamCandidate.objects.filter(session=session).exists()
    good = "\n".join(
        [
            "national_code,component,subject,mark,centre,kind",
            f"{pupil.national_code},continuous,,12,{world.school.code},free",
            f"{pupil.national_code},local,MATH,12,,",
            f"{pupil.national_code},regional,MATH,12,,",
        ]
    )
    assert (
        client.post(f"/results/exams/{session.uuid}/import/", {"file": _upload(good)}).status_code
        == 302
    )
    # compute in the background (the test backend runs the task at once, after commit)
    with django_capture_on_commit_callbacks(execute=True):
        computed = client.post(f"/results/exams/{session.uuid}/compute/")
    assert computed.status_code == 302
    session.refresh_from_db()
    assert session.compute_state == "done"
    page = client.get(f"/results/exams/{session.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Computed" in page.content.decode()
    # publish with an embargo
    published = client.post(
        f"/results/exams/{session.uuid}/publish/",
        {"embargo_until": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
    )
    publication = Publication.objects.get(session=session)
    assert published.status_code == 302
    assert publication.status == "scheduled"
    # withdraw and replace
    replaced = client.post(
        f"/results/publications/{publication.uuid}/",
        {"reason": "Correction", "replace": "on"},
    )
    assert replaced.status_code == 302
    second = Publication.objects.get(session=session, version=2)
    detail = client.get(f"/results/publications/{second.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "What changed" in detail.content.decode()


def test_an_academy_reads_its_regions_results_and_changes_nothing(world: World) -> None:
    session = _computed(world)
    client = world.client(Role.ACADEMY)
    page = client.get(f"/results/exams/{session.uuid}/results/")
    assert page.status_code == 200
    assert b"R000000000" in page.content
    assert b"R000000001" not in page.content
    assert client.post(f"/results/exams/{session.uuid}/compute/").status_code == 403
    assert client.post(f"/results/exams/{session.uuid}/publish/").status_code == 403


def test_a_director_sees_no_exam_session(world: World) -> None:
    session = _computed(world)
    assert world.client(Role.DIRECTOR).get(f"/results/exams/{session.uuid}/").status_code == 403
