"""The pupil profile: identity, guardians (what each role may read), enrolment and journey."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import create_class, current_year, merge_pupils, move_to_class
from madrasa.registry.models import Student
from madrasa.registry.services import add_guardian, create_student

READERS = [
    Role.MINISTRY,
    Role.ACADEMY,
    Role.DIRECTORATE,
    Role.DIRECTOR,
    Role.TEACHER,
    Role.PARENT,
    Role.PUPIL,
]


def _client(world: World, role: Role, lang: str) -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _with_guardian(world: World) -> None:
    add_guardian(
        actor=None,
        student=world.student,
        relation="mother",
        first_name_ar="نادية",
        last_name_ar="العلوي",
        first_name_latn="Nadia",
        last_name_latn="Alaoui",
        national_id="AB123456",
        phone="0612345678",
        is_primary=True,
    )


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("role", READERS)
def test_the_profile_shows_identity_enrolment_and_journey(
    world: World, role: Role, lang: str
) -> None:
    response = _client(world, role, lang).get(f"/pupils/{world.student.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A100000001" in html
    assert "ياسين العلوي" in html
    assert "Yassine Alaoui" in html
    school = "مدرسة ابن سينا" if lang == "ar" else "École Ibn Sina"
    level = "السنة الخامسة ابتدائي" if lang == "ar" else "5e année primaire"
    assert school in html
    assert level in html
    assert 'class="timeline"' in html
    assert "step-enrolled" in html


@pytest.mark.parametrize(
    ("role", "phone", "cin"),
    [
        (Role.MINISTRY, True, False),
        (Role.ACADEMY, True, False),
        (Role.DIRECTORATE, True, True),
        (Role.DIRECTOR, True, True),
        (Role.TEACHER, True, False),
        (Role.PARENT, False, False),
        (Role.PUPIL, False, False),
    ],
)
def test_guardian_contact_details_depend_on_the_role(
    world: World, role: Role, phone: bool, cin: bool
) -> None:
    _with_guardian(world)
    html = world.client(role).get(f"/pupils/{world.student.uuid}/").content.decode()
    assert "Nadia Alaoui" in html
    assert ("0612345678" in html) is phone
    assert ("AB123456" in html) is cin


def test_the_journey_lists_each_step_in_order(world: World) -> None:
    # given a class move
    target = create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=world.classes[0].level,
        name="5B",
    )
    enrolment = Enrolment.objects.get(student=world.student)
    move_to_class(actor=world.users[Role.DIRECTOR], enrolment=enrolment, school_class=target)
    # when the director opens the profile
    html = _client(world, Role.DIRECTOR, "en").get(f"/pupils/{world.student.uuid}/").content
    text = html.decode()
    # then the steps come oldest first, with who made the move (staff only)
    assert text.index("step-enrolled") < text.index("step-class_changed")
    assert "From class 5A to class 5B" in text
    assert "By director.user" in text
    parent = _client(world, Role.PARENT, "en").get(f"/pupils/{world.student.uuid}/").content
    assert b"From class 5A to class 5B" in parent
    assert b"By director.user" not in parent


def test_only_the_parent_and_the_director_get_the_transfer_button(world: World) -> None:
    url = f"/pupils/{world.student.uuid}/"
    for role, shown in [
        (Role.PARENT, True),
        (Role.DIRECTOR, True),
        (Role.TEACHER, False),
        (Role.DIRECTORATE, False),
        (Role.PUPIL, False),
    ]:
        html = world.client(role).get(url).content.decode()
        assert (f"/pupils/{world.student.uuid}/transfer/" in html) is shown, role


def test_a_merged_record_points_to_the_kept_one(world: World) -> None:
    twin = create_student(
        actor=None,
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yacine",
        last_name_latn="Alaoui",
        birth_date=world.student.birth_date,
        gender="M",
        school=world.school,
    )
    merge_pupils(actor=None, keep=world.student, drop=twin)
    client = _client(world, Role.MINISTRY, "en")
    html = client.get(f"/pupils/{twin.uuid}/").content.decode()
    assert "merged into another one" in html
    assert f"/pupils/{world.student.uuid}/" in html
    kept = client.get(f"/pupils/{world.student.uuid}/").content.decode()
    assert twin.national_code in kept
    assert "Records merged" in kept
    assert Student.objects.get(pk=twin.pk).merged_into_id == world.student.pk


def test_a_parent_cannot_open_another_pupil(world: World) -> None:
    response = world.client(Role.PARENT).get(f"/pupils/{world.other_student.uuid}/")
    assert response.status_code == 404
    assert b"B200000002" not in response.content


def test_the_profile_uses_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    _with_guardian(world)
    client = world.client(Role.DIRECTOR)
    url = f"/pupils/{world.student.uuid}/"
    client.get(url)
    with django_assert_max_num_queries(25):  # type: ignore[operator]  # pytest-django fixture
        assert client.get(url).status_code == 200
