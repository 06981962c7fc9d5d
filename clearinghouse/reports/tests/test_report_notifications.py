"""The curator who asked for a report hears when it is ready (with its download) or why it could not be made;
nobody else does. Personas: the curator asks; admin and alice look on."""

from __future__ import annotations

import pytest
from django.utils import translation

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.mandates import services as mandates
from clearinghouse.mandates.models import Resolution
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services
from clearinghouse.reports.models import Report

pytestmark = pytest.mark.django_db
FINISHED = NotificationKind.REPORT_FINISHED


@pytest.fixture
def resolution(personas) -> Resolution:
    mandates.import_resolution(TEXT, actor=personas.curator)
    return Resolution.objects.get(number=174)


def ask(personas, resolution, django_capture_on_commit_callbacks, **fields) -> Report:
    with django_capture_on_commit_callbacks(execute=True):  # the background task, run at once
        report = services.request_report(actor=personas.curator, resolution=resolution, format="html", **fields)
    report.refresh_from_db()
    return report


def test_the_requester_alone_is_told_the_report_is_ready_with_its_download(
    personas, resolution, smtp_server, django_capture_on_commit_callbacks
):
    report = ask(personas, resolution, django_capture_on_commit_callbacks, edition="restricted")
    assert set(Notification.objects.filter(kind=FINISHED).values_list("recipient__username", flat=True)) == {"curator"}
    [line] = selectors.attach_records(Notification.objects.filter(kind=FINISHED), personas.curator)
    assert line.subject == "The report on Resolution 174 (HTML) is ready."
    assert line.link == f"/en/reports/{report.pk}/download/"
    with translation.override("ar"):
        assert "174" in line.subject and "HTML" in str(line.subject_html)
    message = smtp_server.only_message()
    assert message.envelope_to == ["curator@example.org"]
    assert message["Subject"].strip() == "The report on Resolution 174 (HTML) is ready."
    assert f"http://127.0.0.1:8000/en/reports/{report.pk}/download/" in message.links()
    # the rule of the reports' pages: others do not see a restricted edition, so nothing would describe it to them
    assert selectors.is_visible(report, personas.admin) and not selectors.is_visible(report, personas.alice)


def test_the_requester_is_told_why_a_report_could_not_be_made(
    personas, resolution, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services.render, "figures", broken)
    report = ask(personas, resolution, django_capture_on_commit_callbacks)
    assert report.status == "failed"
    [line] = selectors.attach_records(Notification.objects.filter(kind=FINISHED), personas.curator)
    assert line.recipient == personas.curator
    assert line.subject == "The report on Resolution 174 could not be made: RuntimeError: the disk is full"
    assert line.link == f"/en/reports/#report-{report.pk}"
    assert not selectors.is_visible(report, personas.alice)  # a failed public edition is shown to curators only
