"""The register page, the pupil's absences (parent justifies), the school's page (director
decides)."""

from __future__ import annotations

from datetime import date

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.attendance.models import Justification, Mark
from madrasa.attendance.services import MarkInput, record_register


def test_the_teacher_takes_the_register_in_a_few_taps(world: World, school_day: date) -> None:
    url = f"/attendance/classes/{world.classes[0].uuid}/"
    client = world.client(Role.TEACHER)
    with time_machine.travel(school_day, tick=False):
        page = client.get(url, {"day": school_day.isoformat(), "slot": "am"})
        html = page.content.decode()
        assert page.status_code == 200
        # everyone present by default, a draft kept by a static script (no inline script)
        assert f'name="m_{world.student.pk}" value="present" checked' in html
        assert "attendance/register.js" in html
        assert "<script>" not in html
        response = client.post(
            url,
            {
                "day": school_day.isoformat(),
                "slot": "am",
                f"m_{world.student.pk}": "late",
                f"late_{world.student.pk}": "15",
            },
        )
    assert response.status_code == 302
    assert "saved=1" in response["Location"]
    mark = Mark.objects.get()
    assert (mark.kind, mark.late_minutes) == ("late", 15)


def test_a_past_register_asks_for_a_reason(world: World, school_day: date) -> None:
    url = f"/attendance/classes/{world.classes[0].uuid}/"
    client = world.client(Role.DIRECTOR)
    with time_machine.travel(date.fromordinal(school_day.toordinal() + 2), tick=False):
        response = client.post(
            url,
            {"day": school_day.isoformat(), "slot": "pm", f"m_{world.student.pk}": "absent"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 422
    assert "give the reason" in response.content.decode()
    assert not Mark.objects.exists()


def test_a_teacher_of_another_class_and_a_parent_cannot_take_it(
    world: World, school_day: date
) -> None:
    other = f"/attendance/classes/{world.classes[1].uuid}/"
    assert world.client(Role.TEACHER).post(other, {"slot": "am"}).status_code == 404
    own = f"/attendance/classes/{world.classes[0].uuid}/"
    assert world.client(Role.PARENT).get(own).status_code == 404
    # the directorate reads the register but does not take it
    assert world.client(Role.DIRECTORATE).get(own).status_code == 200
    assert world.client(Role.DIRECTORATE).post(own, {"slot": "am"}).status_code == 403


def test_the_parent_justifies_and_the_director_accepts(world: World, school_day: date) -> None:
    record_register(
        actor=None,
        school_class=world.classes[0],
        day=school_day,
        slot="am",
        marks={world.student.pk: MarkInput(kind="absent")},
        today=school_day,
    )
    mark = Mark.objects.get()
    parent = world.client(Role.PARENT)
    with time_machine.travel(school_day, tick=False):
        page = parent.get(f"/attendance/pupils/{world.student.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
        assert "Justify an absence" in page.content.decode()
        response = parent.post(
            f"/attendance/pupils/{world.student.uuid}/justify/",
            {
                "absence": [str(mark.pk)],
                "reason": "Rendez-vous médical",
                "document": SimpleUploadedFile("c.png", b"\x89PNG", content_type="image/png"),
            },
        )
    assert response.status_code == 302
    justification = Justification.objects.get()
    # the director sees it on the school page and accepts it
    director = world.client(Role.DIRECTOR)
    school_url = f"/attendance/schools/{world.school.uuid}/"
    page = director.get(school_url, {"month": school_day.strftime("%Y-%m")})
    html = page.content.decode()
    assert "Rendez-vous médical" in html
    download = director.get(f"{school_url}justifications/", {"document": str(justification.uuid)})
    assert download.status_code == 200
    assert download.content == b"\x89PNG"
    assert world.student.national_code in html
    response = director.post(
        f"{school_url}justifications/",
        {"justification": str(justification.uuid), "decision": "accept"},
    )
    assert response.status_code == 302
    assert Mark.objects.get().is_justified
    justification.refresh_from_db()
    justification.document.delete(save=False)


def test_another_parent_and_the_pupil_cannot_justify(world: World, school_day: date) -> None:
    other = f"/attendance/pupils/{world.other_student.uuid}/justify/"
    assert world.client(Role.PARENT).post(other, {"reason": "x"}).status_code == 404
    own = f"/attendance/pupils/{world.student.uuid}/justify/"
    assert world.client(Role.PUPIL).post(own, {"reason": "x"}).status_code == 403
    assert (
        world.client(Role.PUPIL).get(f"/attendance/pupils/{world.student.uuid}/").status_code == 200
    )


def test_the_school_page_is_for_the_school_and_its_territory(world: World) -> None:
    url = f"/attendance/schools/{world.school.uuid}/"
    assert world.client(Role.TEACHER).get(url).status_code == 403
    assert world.client(Role.ACADEMY).get(url).status_code == 200
    assert (
        world.client(Role.DIRECTOR)
        .get(f"/attendance/schools/{world.other_school.uuid}/")
        .status_code
        == 404
    )
    # the academy sees but does not decide
    response = world.client(Role.ACADEMY).post(f"{url}justifications/", {"justification": "x"})
    assert response.status_code == 403
