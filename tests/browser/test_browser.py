"""In a real browser (Debian's headless Chromium, driven by Playwright): sign in, switch
languages, and check that Arabic pages are right-to-left. Screenshots go to var/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo_server import ROOT, DemoServer, running_demo

CHROMIUM = os.environ.get("MADRASA_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "var" / "screenshots"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("MADRASA_TEST_DB") == "postgres",
        reason="the browser test drives the SQLite demo; once per `make test` is enough",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    if not Path(CHROMIUM).exists():
        if CI:
            pytest.fail(f"{CHROMIUM} is missing and CI=true")
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package")
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: DemoServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _sign_in(page: Any, server: DemoServer, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "madrasa-demo-2026")
    page.click("button.primary")
    page.wait_for_url(f"{server.url}/")


def test_a_ministry_user_signs_in_in_arabic_and_switches_to_french(
    server: DemoServer, browser: Any
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="ar-MA", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    page.screenshot(path=str(SHOTS / "login-ar.png"), full_page=True)

    _sign_in(page, server, "ministere")
    assert page.get_attribute("html", "dir") == "rtl"
    # the header mirrors: the brand sits on the right in Arabic
    brand = page.locator(".brand").bounding_box()
    assert brand is not None
    assert brand["x"] > 640
    assert page.locator("table tbody tr").count() == 12
    page.screenshot(path=str(SHOTS / "home-ministry-ar.png"), full_page=True)

    page.click("button[name=language][value=fr]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.get_attribute("html", "lang") == "fr"
    brand = page.locator(".brand").bounding_box()
    assert brand is not None
    assert brand["x"] < 640
    assert "Casablanca-Settat" in page.content()
    page.screenshot(path=str(SHOTS / "home-ministry-fr.png"), full_page=True)
    context.close()


def test_a_parent_sees_the_children_and_nothing_else(server: DemoServer, browser: Any) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, server, "parent.demo")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("main ul.links li").count() == 2
    page.screenshot(path=str(SHOTS / "home-parent-fr-mobile.png"), full_page=True)
    page.goto(f"{server.url}/audit/")
    assert "403" in page.title() or page.locator("h1").inner_text() != "Journal d'audit"
    context.close()


def test_wrong_password_shows_a_generic_message(server: DemoServer, browser: Any) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", "ministere")
    page.fill("input[name=password]", "not-the-password")
    page.click("button.primary")
    assert page.locator("p.error").inner_text().startswith("The username or password is incorrect")
    context.close()
