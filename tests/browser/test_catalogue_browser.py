"""A focal point contributes a measure, a curator reviews and publishes it, a reader finds it: in chromium."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_submit_review_publish_then_search_and_filter(new_page, live_server):
    base = live_server.url
    alice = new_page()
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

    curator = new_page()
    sign_in(curator, base, "curator")
    device = TOTPDevice.objects.get(user__username="curator")
    curator.fill("#id_code", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    curator.click("main button[type=submit]")
    curator.goto(f"{base}/en/catalogue/review/")
    curator.click("text=Nationwide SIM-box detection")
    curator.click("button >> text=Publish")
    assert "Published" in curator.locator(".messages").inner_text()

    reader = new_page()
    reader.goto(f"{base}/en/catalogue/?q=bypass")
    assert "Nationwide SIM-box detection" in reader.locator(".hits").inner_text()
    assert reader.locator(".hits mark").first.inner_text().lower() == "bypass"
    reader.click(".facets >> text=Technical measures")
    reader.wait_for_url("**pillar=technical**")
    assert "1 measure" in reader.locator(".hits .count").inner_text()
    reader.goto(measure_url)
    assert reader.locator("h1").inner_text() == "Nationwide SIM-box detection"
