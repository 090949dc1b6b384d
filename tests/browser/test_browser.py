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


def _follow(page: Any, selector: str) -> str:
    """Open the first link matching `selector` (looked up, not hard-coded) and return its href."""
    link = page.locator(selector).first
    href = str(link.get_attribute("href"))
    link.click()
    page.wait_for_load_state()
    return href


def _fits_the_width(page: Any) -> bool:
    """No horizontal scrolling of the whole page (wide tables scroll inside their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize(("lang", "locale"), [("ar", "ar-MA"), ("fr", "fr-FR")])
def test_a_director_opens_the_school_a_class_and_a_pupil_journey(
    server: DemoServer, browser: Any, lang: str, locale: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "directeur.ibnsina")
    assert page.get_attribute("html", "lang") == lang

    # the school page, reached from the home page
    _follow(page, "main a[href^='/schools/']")
    assert page.locator("main table tbody tr").count() >= 1
    assert page.locator("nav.actions a[href$='/enrol/']").count() == 1
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / f"school-director-{lang}.png"), full_page=True)

    # a class list, with its pupils in both scripts; in Arabic, move its first pupil to a
    # sibling class so that the journey has a second step
    classes = page.locator("main a[href^='/classes/']")
    hrefs = [classes.nth(i).get_attribute("href") for i in range(min(classes.count(), 6))]
    for href in hrefs:
        page.goto(f"{server.url}{href}")
        if page.locator("form.inline").count():
            break
    moved = None
    if lang == "ar" and page.locator("form.inline").count():
        moved = page.locator("main table a[href^='/pupils/']").first.get_attribute("href")
        page.locator("form.inline button").first.click()
        page.wait_for_load_state()
        assert page.locator(".messages .success").count() == 1
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1
    assert page.locator("main td span[lang=ar]").count() == rows.count()
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / f"class-director-{lang}.png"), full_page=True)

    # a pupil's profile and journey
    if moved:
        page.goto(f"{server.url}{moved}")
        assert page.locator("ol.timeline li").count() >= 2
    else:
        _follow(page, "main table a[href^='/pupils/']")
    assert page.locator("ol.timeline li").count() >= 1
    # the timeline's line sits on the reading-start side: right in Arabic, left in French
    line = page.locator("ol.timeline li").first.bounding_box()
    assert line is not None
    title = page.locator("ol.timeline li .step-head").first.bounding_box()
    assert title is not None
    if lang == "ar":
        assert title["x"] + title["width"] <= line["x"] + line["width"] - 20
    else:
        assert title["x"] >= line["x"] + 20
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / f"pupil-director-{lang}.png"), full_page=True)
    context.close()


def test_a_director_s_pages_fit_a_phone(server: DemoServer, browser: Any) -> None:
    context = browser.new_context(locale="ar-MA", viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, server, "directeur.ibnsina")
    _follow(page, "main a[href^='/schools/']")
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / "school-director-ar-mobile.png"), full_page=True)
    _follow(page, "main a[href^='/classes/']")
    _follow(page, "main table a[href^='/pupils/']")
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / "pupil-director-ar-mobile.png"), full_page=True)
    context.close()


def test_a_parent_asks_for_a_transfer_that_the_directorate_then_sees(
    server: DemoServer, browser: Any
) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "parent.demo")
    _follow(page, "main ul.links a[href^='/pupils/']")
    code = page.locator("main .lead code").first.inner_text()
    page.screenshot(path=str(SHOTS / "pupil-parent-fr.png"), full_page=True)
    _follow(page, "a[href$='/transfer/']")
    page.fill("input[name=q]", "Ibn")
    page.click("form.search button")
    page.wait_for_load_state()
    assert _fits_the_width(page)
    page.locator("input[name=to_school]").first.check()
    page.fill("textarea[name=reason]", "La famille déménage dans un autre quartier")
    page.screenshot(path=str(SHOTS / "transfer-request-fr.png"), full_page=True)
    page.click("form[method=post] button.primary")
    page.wait_for_load_state()
    assert "/transfers/" in page.url
    assert page.locator("ol.timeline li").count() == 2  # requested, waiting for the school
    page.screenshot(path=str(SHOTS / "transfer-parent-fr.png"), full_page=True)
    context.close()

    # the provincial directorate follows the request in its queue
    context = browser.new_context(locale="ar-MA", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "dp.rabat")
    page.goto(f"{server.url}/transfers/")
    assert code in page.content()
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / "transfers-directorate-ar.png"), full_page=True)
    context.close()


def test_the_structure_and_the_duplicates_pages(server: DemoServer, browser: Any) -> None:
    context = browser.new_context(locale="ar-MA", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "ministere")
    page.goto(f"{server.url}/structure/")
    assert page.locator("main table").count() >= 2
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / "structure-ministry-ar.png"), full_page=True)
    context.close()

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "dp.rabat")
    page.goto(f"{server.url}/duplicates/")
    assert _fits_the_width(page)
    page.screenshot(path=str(SHOTS / "duplicates-directorate-fr.png"), full_page=True)
    if page.locator("main a[href^='/duplicates/']").count():
        _follow(page, "main a[href^='/duplicates/']")
        assert page.locator("table.compare").count() == 1
        assert _fits_the_width(page)
        page.screenshot(path=str(SHOTS / "duplicate-compare-fr.png"), full_page=True)
    context.close()
