"""A person signs in, switches language and filters Member States in Debian's chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_focal_point_signs_in_and_reads_the_site_in_french_then_arabic(new_page, live_server):
    page = new_page()
    sign_in(page, live_server.url, "alice")
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


def test_filtering_member_states_updates_the_table_in_place(new_page, live_server):
    page = new_page()
    page.goto(f"{live_server.url}/en/member-states/")
    assert "194 Member States" in page.locator(".count").inner_text()
    page.select_option("#id_region", "arab_states")
    # a locator wait, not wait_for_function: the Content-Security-Policy forbids evaluating strings as code
    expect(page.locator(".count")).to_have_text(re.compile(r"^21 "))
    assert "region=arab_states" in page.url
    assert "Egypt" in page.locator("#results").inner_text()
