"""A person signs in, switches language and filters Member States in Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearinghouse.core.testing import PASSWORD, make_personas
from clearinghouse.countries.services import load_reference_data

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def browser_page(live_server, transactional_db, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    load_reference_data()
    make_personas()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(locale="en-GB")
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            browser.close()


def test_a_focal_point_signs_in_and_reads_the_site_in_french_then_arabic(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/en/sign-in/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/en/account/")
    assert page.locator("h1").inner_text() == "My account"
    assert "Kenya" in page.locator("main").inner_text()

    page.click("nav.languages a[hreflang=fr]")
    page.wait_for_url("**/fr/account/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Mon compte"

    page.click("nav.languages a[hreflang=ar]")
    page.wait_for_url("**/ar/account/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "كينيا" in page.locator("main").inner_text()


def test_filtering_member_states_updates_the_table_in_place(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/en/member-states/")
    assert "194 Member States" in page.locator(".count").inner_text()
    page.select_option("#id_region", "arab_states")
    page.wait_for_function("document.querySelector('.count').innerText.startsWith('21 ')")
    assert "region=arab_states" in page.url
    assert "Egypt" in page.locator("#results").inner_text()
