"""Under the Content-Security-Policy, chromium blocks nothing on our pages: the API documentation, the catalogue
and the admin work as before."""

from __future__ import annotations

import pytest

from clearinghouse.accounts.models import User
from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.catalog.services import create_measure, publish_measure, start_review, submit_measure
from clearinghouse.core.testing import client_for

pytestmark = pytest.mark.browser

# every violation is reported to the page as an event, whatever the console says
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener(
  "securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI)
);
"""


def _watched(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text) if message.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    return messages


def _violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.__violations") + [m for m in console if "Content Security Policy" in m]


def test_the_api_documentation_renders_its_operations_without_a_policy_violation(new_page, live_server):
    page = new_page()
    console = _watched(page)
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", state="visible")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/measures/export/" in paths and "/api/v1/member-states/" in paths
    page.locator(".opblock-summary-path", has_text="/api/v1/member-states/{alpha2}/").click()
    page.wait_for_selector(".opblock-body", state="visible")  # the operations open: the script is running
    assert _violations(page, console) == []


def test_the_catalogue_searches_and_previews_under_the_policy(new_page, live_server):
    alice, curator = User.objects.get(username="alice"), User.objects.get(username="curator")
    made = create_measure(
        actor=alice,
        title="Nationwide SIM-box detection",
        summary="Test calls reveal bypass gateways.",
        tlp="clear",
        pillar=Pillar.objects.get(slug="technical"),
        threats=list(Threat.objects.filter(slug="simbox-fraud")),
    )
    publish_measure(start_review(submit_measure(made, actor=alice), actor=curator), actor=curator)
    page = new_page()
    console = _watched(page)
    response = page.goto(f"{live_server.url}/en/catalogue/?q=bypass")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "Nationwide SIM-box detection" in page.locator(".hits").inner_text()
    page.click(".facets >> text=Technical measures")
    page.wait_for_url("**pillar=technical**")
    page.click("text=Nationwide SIM-box detection")
    assert page.locator("h1").inner_text() == "Nationwide SIM-box detection"
    assert _violations(page, console) == []


def test_the_admin_works_under_the_policy(browser, live_server):
    signed_in = client_for(User.objects.get(username="admin"))
    context = browser.new_context(locale="en-GB")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    console = _watched(page)
    response = page.goto(f"{live_server.url}/en/admin/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/en/admin/countries/memberstate/")
    page.check("#action-toggle")  # the admin's own script selects every row
    assert "selected" in page.locator(".action-counter").inner_text()
    page.goto(f"{live_server.url}/en/admin/accounts/user/add/")
    assert page.locator("#id_username").is_visible()
    assert _violations(page, console) == []
    context.close()
