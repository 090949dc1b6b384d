"""The health record page: health staff record, parents read and give or revoke consent;
nobody else sees health data."""

from __future__ import annotations

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.health.models import Consent, Immunization, Screening
from madrasa.registry.models import Guardian


def test_the_health_staff_records_and_the_parent_reads(world: World, guardian: Guardian) -> None:
    url = f"/health/pupils/{world.student.uuid}/"
    nurse = world.client(Role.HEALTH)
    response = nurse.post(
        url, {"kind": "vision", "acuity_left": "8/10", "acuity_right": "0,9", "on": "2025-10-06"}
    )
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert (str(screening.acuity_left), str(screening.acuity_right)) == ("0.80", "0.90")
    response = nurse.post(
        url, {"kind": "immunization", "vaccine": "HPV", "dose_number": "1", "on": "2025-10-06"}
    )
    assert response.status_code == 302
    assert Immunization.objects.get().vaccine == "HPV"
    bad = nurse.post(
        url, {"kind": "growth", "height_cm": "abc", "on": "2025-10-06"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 422
    # the parent reads, but does not record
    parent = world.client(Role.PARENT)
    page = parent.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Human papillomavirus" in page.content.decode()
    assert parent.post(url, {"kind": "allergy"}).status_code == 403


def test_nobody_else_sees_health_data(world: World) -> None:
    url = f"/health/pupils/{world.student.uuid}/"
    for role in (Role.MINISTRY, Role.DIRECTOR, Role.TEACHER, Role.PUPIL):
        assert world.client(role).get(url).status_code == 403
    # the health staff of another school does not see the pupil
    assert (
        world.client(Role.HEALTH).get(f"/health/pupils/{world.other_student.uuid}/").status_code
        == 404
    )
    assert (
        world.client(Role.PARENT).get(f"/health/pupils/{world.other_student.uuid}/").status_code
        == 404
    )


def test_the_parent_gives_and_revokes_consent_online(world: World, guardian: Guardian) -> None:
    url = f"/health/pupils/{world.student.uuid}/consent/"
    parent = world.client(Role.PARENT)
    assert parent.post(url, {"action": "grant"}).status_code == 302
    consent = Consent.objects.get()
    assert (consent.guardian, consent.is_active) == (guardian, True)
    assert parent.post(url, {"action": "revoke"}).status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active


def test_the_health_staff_records_a_signed_consent(world: World, guardian: Guardian) -> None:
    url = f"/health/pupils/{world.student.uuid}/consent/"
    nurse = world.client(Role.HEALTH)
    response = nurse.post(
        url, {"action": "grant", "guardian": str(guardian.uuid), "given_on": "2025-09-20"}
    )
    assert response.status_code == 302
    assert str(Consent.objects.get().given_on) == "2025-09-20"


def test_the_school_list_is_for_its_health_staff(world: World) -> None:
    nurse = world.client(Role.HEALTH)
    page = nurse.get(f"/health/schools/{world.school.uuid}/", {"q": "alaoui"})
    assert world.student.national_code in page.content.decode()
    assert nurse.get(f"/health/schools/{world.other_school.uuid}/").status_code == 404
    assert (
        world.client(Role.DIRECTOR).get(f"/health/schools/{world.school.uuid}/").status_code == 403
    )
