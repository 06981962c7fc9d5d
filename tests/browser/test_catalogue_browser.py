"""A focal point contributes a measure, a curator reviews and publishes it, a reader finds it: in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.core.testing import PASSWORD, make_personas
from clearinghouse.countries.services import load_reference_data

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    load_reference_data()
    make_personas()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
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
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/en/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_submit_review_publish_then_search_and_filter(browser, live_server):
    base = live_server.url
    alice = browser.new_page()
    alice.set_default_timeout(30_000)
    sign_in(alice, base, "alice")
    alice.goto(f"{base}/en/catalogue/measures/new/")
    alice.fill("#id_title", "Nationwide SIM-box detection")
    alice.fill("#id_summary", "Test calls reveal bypass gateways within a week.")
    alice.select_option("#id_pillar", label="Technical measures")
    alice.select_option("#id_threats", label="Telecommunication misuse — Interconnect bypass (SIM-box) fraud")
    alice.fill("#id_description", "Operators run **test calls** every day.")
    alice.wait_for_selector("#live-preview strong")  # htmx renders the Markdown while typing
    assert alice.locator("#live-preview strong").inner_text() == "test calls"
    alice.click("button[name=preview]")  # and the button does it without JavaScript
    assert alice.locator("#live-preview strong").inner_text() == "test calls"
    alice.click("button:not([name=preview])[type=submit] >> text=Save the draft")
    alice.wait_for_url("**/catalogue/measures/*/")
    measure_url = alice.url
    alice.click("text=Submit for review")
    assert "Submitted" in alice.locator(".messages").inner_text()

    curator = browser.new_page()
    curator.set_default_timeout(30_000)
    sign_in(curator, base, "curator")
    device = TOTPDevice.objects.get(user__username="curator")
    curator.fill("#id_code", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    curator.click("main button[type=submit]")
    curator.goto(f"{base}/en/catalogue/review/")
    curator.click("text=Nationwide SIM-box detection")
    curator.click("button >> text=Publish")
    assert "Published" in curator.locator(".messages").inner_text()

    reader = browser.new_page()
    reader.set_default_timeout(30_000)
    reader.goto(f"{base}/en/catalogue/?q=bypass")
    assert "Nationwide SIM-box detection" in reader.locator(".hits").inner_text()
    assert reader.locator(".hits mark").first.inner_text().lower() == "bypass"
    reader.click(".facets >> text=Technical measures")
    reader.wait_for_url("**pillar=technical**")
    assert "1 measure" in reader.locator(".hits .count").inner_text()
    reader.goto(measure_url)
    assert reader.locator("h1").inner_text() == "Nationwide SIM-box detection"
