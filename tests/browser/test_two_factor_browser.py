"""Enrolling an authenticator in a real browser: the QR code is an image the phone can scan."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_enrolment_page_shows_a_qr_code_that_the_browser_draws(new_page, live_server):
    page = new_page()
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/en/account/two-factor/setup/")
    qr = page.locator("main img")
    assert qr.evaluate("image => image.complete && image.naturalWidth") > 100
