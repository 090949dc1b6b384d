"""The bulletin pages: compute with progress, publish, class list, bulletin, PDF, explanation."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.bulletins.models import Bulletin, BulletinRun
from madrasa.registry.models import Semester

from .factories import close_term


def test_the_director_computes_and_follows_the_progress(
    world: World, computed: Bulletin, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client(Role.DIRECTOR)
    url = reverse("bulletins:school", args=[world.school.uuid])
    # when: the compute button (the task runs at commit; the test backend runs it at once)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bulletins:school_compute", args=[world.school.uuid]), {"period": "S1"}
        )
    # then
    run = BulletinRun.objects.order_by("-id").first()
    assert run is not None
    assert response.status_code == 302
    assert response["Location"].endswith(f"?period=S1&run={run.uuid}")
    progress = client.get(reverse("bulletins:run_progress", args=[run.uuid])).json()
    assert progress["finished"]
    assert progress["status"] == "done"
    assert (progress["done"], progress["total"]) == (1, 1)
    page = client.get(url + "?period=S1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Compute again" in page
    assert "Sign and publish to families" in page
    assert "12.50" in page  # the class average: (9.00 + 16.00) / 2


def test_the_progress_bar_polls_while_the_run_is_queued(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    with_run = client.post(
        reverse("bulletins:school_compute", args=[world.school.uuid]), {"period": "S1"}
    )
    page = client.get(with_run["Location"]).content.decode()
    assert "bulletins/progress.js" in page
    assert "data-progress-url" in page
    assert "<script>" not in page


def test_the_director_publishes_after_closing_the_term(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    client = world.client(Role.DIRECTOR)
    publish = reverse("bulletins:school_publish", args=[world.school.uuid])
    refused = client.post(publish, {"period": "S1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Close the term before publishing" in refused.content.decode()
    close_term(world.school, s1)
    done = client.post(publish, {"period": "S1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "2 bulletins are signed and published" in done.content.decode()


def test_parents_see_the_bulletin_only_once_published(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    parent = world.client(Role.PARENT)
    url = reverse("bulletins:bulletin", args=[computed.uuid])
    assert parent.get(url).status_code == 404
    assert parent.get(reverse("bulletins:pdf", args=[computed.uuid])).status_code == 404
    close_term(world.school, s1)
    world.client(Role.DIRECTOR).post(
        reverse("bulletins:school_publish", args=[world.school.uuid]), {"period": "S1"}
    )
    assert parent.get(url).status_code == 200
    listing = parent.get(
        reverse("bulletins:pupil", args=[world.student.uuid]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert str(computed.uuid) in listing.content.decode()


def test_the_class_page_lists_ranks_and_mentions(world: World, computed: Bulletin) -> None:
    response = world.client(Role.TEACHER).get(
        reverse("bulletins:class", args=[world.classes[0].uuid]) + "?period=S1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "16.00" in body
    assert "9.00" in body
    assert "Very good" in body
    assert "Repeats the year" in body


def test_the_teacher_writes_a_remark_on_the_subject_taught(
    world: World, computed: Bulletin
) -> None:
    client = world.client(Role.TEACHER)
    page = client.get(reverse("bulletins:bulletin", args=[computed.uuid])).content.decode()
    assert 'name="remark-MATH"' in page
    assert 'name="remark-FR"' not in page
    client.post(
        reverse("bulletins:remarks", args=[computed.uuid]),
        {"remark-MATH": "Bon travail", "remark-FR": "ignored"},
    )
    lines = {x.subject.code: x.teacher_remark for x in computed.lines.select_related("subject")}
    assert (lines["MATH"], lines["FR"]) == ("Bon travail", "")


def test_the_director_remarks_and_the_academy_cannot(world: World, computed: Bulletin) -> None:
    response = world.client(Role.DIRECTOR).post(
        reverse("bulletins:remarks", args=[computed.uuid]), {"director_remark": "Bravo"}
    )
    assert response.status_code == 302
    computed.refresh_from_db()
    assert computed.director_remark == "Bravo"
    academy = world.client(Role.ACADEMY).post(
        reverse("bulletins:remarks", args=[computed.uuid]), {"director_remark": "X"}
    )
    assert academy.status_code == 403


def test_the_pdf_comes_in_arabic_and_in_french(world: World, computed: Bulletin) -> None:
    client = world.client(Role.DIRECTOR)
    for lang in ("ar", "fr"):
        response = client.get(reverse("bulletins:pdf", args=[computed.uuid]) + f"?lang={lang}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert f"-S1-{lang}.pdf" in response["Content-Disposition"]


def test_explain_shows_each_step(world: World, computed: Bulletin, client: Client) -> None:
    body = (
        world.client(Role.DIRECTOR)
        .get(reverse("bulletins:explain", args=[computed.uuid]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    # MATH: 12 + 15 = 27, 27 ÷ 2 = 13.5 → 13.50; FR: 9 + 0 (ABN) = 9 → 4.50
    assert "12.00 + 15.00 = 27.00" in body
    assert "27.00 ÷ 2 = 13.5000" in body
    assert "unjustified absence: counts as 0" in body
    # general: (13.50 + 4.50) / 2 = 9.00
    assert "18.0000 ÷ 2 = 9.0000" in body
    assert "Marks changed after" not in body
