"""Debian's chromium driven by Playwright, against the live test server with the reference data loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.catalog.taxonomy import load_default_taxonomy
from clearinghouse.core.testing import PASSWORD, make_personas
from clearinghouse.countries.services import load_reference_data

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # a transactional test starts from a flushed database: put the reference data back
    load_reference_data()
    load_default_taxonomy(Pillar, Threat)
    make_personas()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()  # the live server's requests left connections open in this thread


@pytest.fixture
def new_page(browser):
    def make(locale: str = "en-GB"):
        page = browser.new_page(locale=locale)
        page.set_default_timeout(30_000)
        return page

    return make


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/en/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
