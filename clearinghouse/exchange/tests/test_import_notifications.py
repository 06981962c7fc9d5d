"""What an inbox line about an import says, where it leads, and who may read it (who is told: test_import.py,
test_taxii.py and test_sync.py). Personas: alice leads Kenya and imports; the curator oversees; bob (Nigeria) and
carol (GSMA) look on."""

from __future__ import annotations

import pytest
from django.utils import translation

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.exchange.models import ImportRun, ImportSource, ImportStatus

pytestmark = pytest.mark.django_db


def kenyan_run(personas, **fields) -> ImportRun:
    return ImportRun.objects.create(
        source=ImportSource.UPLOAD,
        actor=personas.alice,
        owner_state=personas.alice.member_state,
        origin="kenya-measures.json",
        **fields,
    )


def line_about(run: ImportRun) -> Notification:
    line = Notification(kind=NotificationKind.IMPORT_FINISHED)
    line.record = run
    return line


def test_a_finished_import_s_line_counts_in_the_reader_s_way_and_leads_to_its_report(personas):
    run = kenyan_run(personas, status=ImportStatus.COMPLETE, created_count=1234, updated_count=5, failure_count=0)
    line = line_about(run)
    assert line.subject == "The import of kenya-measures.json finished: 1,234 new drafts, 5 updated, 0 refused."
    assert line.link == f"/en/exchange/imports/{run.pk}/"
    with translation.override("fr"):
        assert "1\u202f234" in line.subject and "1,234" not in line.subject  # French groups digits its own way
    with translation.override("ar"):
        assert "kenya-measures.json" in str(line.subject_html)


def test_a_failed_import_s_line_says_why(personas):
    run = kenyan_run(personas, status=ImportStatus.FAILED, report={"errors": ["The file is not JSON: <oops>"]})
    line = line_about(run)
    assert line.subject == "The import of kenya-measures.json failed: The file is not JSON: <oops>"
    assert "&lt;oops&gt;" in line.subject_html and "<oops>" not in line.subject_html


def test_an_import_is_described_to_whom_its_pages_show_it_and_to_nobody_else(personas):
    run = kenyan_run(personas, status=ImportStatus.COMPLETE)
    for person in (personas.alice, personas.curator, personas.admin):
        assert selectors.is_visible(run, person), person
    for person in (personas.bob, personas.carol):
        assert not selectors.is_visible(run, person), person
