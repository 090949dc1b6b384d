"""The home page fits each role; languages switch; Arabic is right-to-left."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role

EXPECTED_ON_HOME = {
    Role.MINISTRY: ["Casablanca-Settat", "/audit/"],
    Role.ACADEMY: ["Rabat-Salé-Kénitra", "/territory/regions/04/"],
    Role.DIRECTORATE: ["/territory/provinces/421/"],
    Role.DIRECTOR: ["École Ibn Sina", "/schools/"],
    Role.TEACHER: ["École Ibn Sina"],
    Role.PARENT: ["Yassine Alaoui", "/pupils/"],
    Role.PUPIL: ["Yassine Alaoui"],
}


@pytest.mark.parametrize("role", list(EXPECTED_ON_HOME))
def test_the_home_page_fits_the_role(world: World, role: Role) -> None:
    client = world.client(role)
    client.cookies["madrasa_language"] = "fr"
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in EXPECTED_ON_HOME[role]:
        assert text in html, (role, text)
    assert "Bennani" not in html  # the other pupil never shows


def test_the_ministry_home_counts_with_locale_digits(world: World) -> None:
    client = world.client(Role.MINISTRY)
    client.cookies["madrasa_language"] = "fr"
    html = client.get("/").content.decode()
    assert 'class="figure">2<' in html  # two schools


def test_arabic_is_the_default_and_right_to_left() -> None:
    html = Client().get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("fr-FR,fr;q=0.9", "fr"), ("en-GB,en;q=0.8", "en"), ("de-DE", "ar"), ("xx", "ar")],
)
def test_the_browser_preference_picks_the_language(accept: str, expected: str) -> None:
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    direction = "rtl" if expected == "ar" else "ltr"
    assert f'<html lang="{expected}" dir="{direction}">' in html


def test_an_unknown_language_code_falls_back_to_the_browser_preference() -> None:
    client = Client()
    client.cookies["madrasa_language"] = "zz"
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    response = client.post("/i18n/setlang/", {"language": "zz", "next": "/accounts/login/"})
    assert response.status_code in {302, 204}
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in html


def test_switching_language_changes_the_page() -> None:
    client = Client()
    for code, word in (("fr", "Se connecter"), ("en", "Sign in"), ("ar", "تسجيل الدخول")):
        client.post("/i18n/setlang/", {"language": code, "next": "/accounts/login/"})
        html = client.get("/accounts/login/").content.decode()
        assert f'<html lang="{code}"' in html
        assert word in html, code


def test_the_audit_page_lists_entries_for_the_ministry(world: World) -> None:
    client = world.client(Role.MINISTRY)
    html = client.get("/audit/?q=role.assign").content.decode()
    assert "role.assign" in html
    assert world.client(Role.ACADEMY).get("/audit/").status_code == 403


@pytest.mark.django_db
def test_the_health_check_answers_without_a_session() -> None:
    response = Client().get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response["X-Request-Id"]


def test_the_pupil_search_page_finds_by_arabic_name(world: World) -> None:
    client = world.client(Role.DIRECTORATE)
    html = client.get("/pupils/", {"q": "ياسين"}).content.decode()
    assert "A100000001" in html
    assert "B200000002" not in html


def test_the_audit_log_pages_through_entries(world: World) -> None:
    from madrasa.core.audit import record_event

    for i in range(60):
        record_event(actor=None, action="test.event", object_id=i)
    client = world.client(Role.MINISTRY)
    client.cookies["madrasa_language"] = "en"
    first = client.get("/audit/").content.decode()
    assert "Page 1 of" in first
    assert "Older entries" in first
    assert "Newer entries" not in first
    second = client.get("/audit/", {"page": 2}).content.decode()
    assert "Newer entries" in second
