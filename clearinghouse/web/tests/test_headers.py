"""A Content-Security-Policy on every kind of HTML page: scripts and styles from this site only, none inline."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for


def _directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


class _InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline scripts, event handlers, style elements and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def pages(personas) -> dict[str, tuple[Client, str]]:
    published = measure(personas, title="SIM-box detection")
    admin = client_for(personas.admin)
    return {
        "home": (Client(), "/en/"),
        "catalogue": (Client(), "/en/catalogue/?q=sim"),
        "measure": (Client(), f"/en/catalogue/measures/{published.pk}/"),
        "sign-in": (Client(), "/en/sign-in/"),
        "API documentation": (Client(), "/api/docs/"),
        "admin index": (admin, "/en/admin/"),
        "admin change list": (admin, "/en/admin/catalog/measure/"),
        "admin change form": (admin, f"/en/admin/catalog/measure/{published.pk}/change/"),
        "not found": (Client(), "/en/no-such-page/"),
        "member's account": (client_for(personas.alice), "/en/account/"),
    }


PAGE_KINDS = [
    "home",
    "catalogue",
    "measure",
    "sign-in",
    "API documentation",
    "admin index",
    "admin change list",
    "admin change form",
    "not found",
    "member's account",
]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_kind_of_html_page_forbids_inline_and_foreign_scripts_and_styles(pages, kind):
    client, url = pages[kind]
    response = client.get(url)
    assert response.status_code == (404 if kind == "not found" else 200), url
    assert response["Content-Type"].startswith("text/html")
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"] and policy["base-uri"] == ["'self'"]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_page_holds_an_inline_script_event_handler_or_style(pages, kind):
    client, url = pages[kind]
    assert _inline_code(client.get(url).content.decode()) == []


def test_the_api_documentation_loads_its_start_up_script_from_this_site(db):
    client = Client()
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    start_up = [src for src in scripts if "script=" in src]
    assert len(start_up) == 1 and start_up[0].startswith("/api/docs/")
    response = client.get(start_up[0].replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode() and "/api/schema/" in response.content.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert all(client.get(href).status_code == 200 for href in stylesheets) and len(stylesheets) == 2


def test_the_browsable_api_and_a_413_carry_the_policy_too(db):
    browsable = Client().get("/api/v1/member-states/", headers={"Accept": "text/html"})
    assert browsable["Content-Type"].startswith("text/html") and _directives(browsable)["script-src"] == ["'self'"]
    too_large = Client().post("/en/sign-in/", data=b"x", content_type="text/plain", CONTENT_LENGTH=10**9)
    assert too_large.status_code == 413 and _directives(too_large)["script-src"] == ["'self'"]


def test_a_response_with_its_own_stricter_policy_keeps_it(db):
    from clearinghouse.core.middleware import ContentSecurityPolicyMiddleware  # a generated HTML report sets one

    def report(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>report</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(report)(HttpRequest())["Content-Security-Policy"] == "default-src 'none'"
