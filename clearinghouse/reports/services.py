"""Requesting and generating implementation reports. Generation runs as a background task (``tasks``) or
from ``manage.py implementation_report``; progress is written as it goes, the file only once complete."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.accounts.models import NotificationKind
from clearinghouse.accounts.services import notify
from clearinghouse.core import audit
from clearinghouse.mandates.models import Resolution
from clearinghouse.reports import render
from clearinghouse.reports.figures import ReportData, collect
from clearinghouse.reports.models import Edition, Report, ReportFormat, ReportStatus


def can_generate(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.has_perm("reports.add_report")))


def check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise ValidationError(_("The period cannot end before it starts."))


@transaction.atomic
def request_report(
    *,
    actor: Any,
    resolution: Resolution,
    format: str,
    start: date | None = None,
    end: date | None = None,
    edition: str = Edition.PUBLIC,
    include_illustrative: bool = False,
) -> Report:
    """A curator asks for a report; it is generated in the background once this transaction commits."""
    if not can_generate(actor):
        raise PermissionDenied(_("Only a curator can generate reports."))
    if format not in ReportFormat.values:
        raise ValidationError(_("Unknown format %(format)s: choose docx, pdf or html.") % {"format": format})
    if edition not in Edition.values:
        raise ValidationError(_("Unknown edition %(edition)s.") % {"edition": edition})
    check_period(start, end)
    if resolution.current_revision() is None:
        raise ValidationError(_("This resolution has no text imported yet."))
    report = Report.objects.create(
        resolution=resolution,
        period_start=start,
        period_end=end,
        format=format,
        edition=edition,
        include_illustrative=include_illustrative,
        requested_by=actor,
    )
    audit.record(actor, "report.requested", report, changes={"format": format, "edition": edition})
    from clearinghouse.reports.tasks import generate_report

    transaction.on_commit(lambda: generate_report.enqueue(report.pk))
    return report


def _set_progress(report_id: int, percent: int, step: str) -> None:
    # its own short write, outside any transaction of the generation, so a reader sees it at once
    Report.objects.filter(pk=report_id).update(progress=percent, step=step[:200])


def build(
    resolution: Resolution,
    *,
    format: str,
    start: date | None,
    end: date | None,
    edition: str = Edition.PUBLIC,
    include_illustrative: bool,
    progress: Callable[[int, str], None] = lambda percent, step: None,
) -> tuple[bytes, ReportData]:
    """The report's bytes and the figures it shows; ``edition`` (who receives it) decides the markings it holds."""
    if edition not in Edition.values:
        raise ValidationError(_("Unknown edition %(edition)s.") % {"edition": edition})
    revision = resolution.current_revision()
    if revision is None:
        raise ValidationError(_("This resolution has no text imported yet."))
    check_period(start, end)
    data = collect(
        revision,
        start=start,
        end=end,
        edition=edition,
        include_illustrative=include_illustrative,
        progress=progress,
    )
    progress(65, "Drawing the charts and the map")
    charts = render.figures(data)
    progress(85, f"Writing the {format.upper()} file")
    content = render.WRITERS[format](data, charts)
    progress(100, "Done")
    return content, data


def run_report(report_id: int) -> Report:
    """Generate a requested report. A failure is recorded on the report; no partial file is ever kept."""
    report = Report.objects.select_related("resolution").get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report
    Report.objects.filter(pk=report_id).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=0, error=""
    )
    started = time.monotonic()
    try:
        content, _data = build(
            report.resolution,
            format=report.format,
            start=report.period_start,
            end=report.period_end,
            edition=report.edition,
            include_illustrative=report.include_illustrative,
            progress=lambda percent, step: _set_progress(report_id, percent, step),
        )
    except Exception as error:
        with transaction.atomic():
            message = f"{type(error).__name__}: {error}"[:2000]
            Report.objects.filter(pk=report_id).update(
                status=ReportStatus.FAILED, error=message, finished_at=timezone.now()
            )
            _tell_requester(report, status=ReportStatus.FAILED, error=message)
        raise
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        report.file.save(report.download_name(), ContentFile(content), save=False)
        report.size = len(content)
        report.status = ReportStatus.DONE
        report.progress = 100
        report.step = _("Generated in %(seconds).1f s") % {"seconds": time.monotonic() - started}
        report.finished_at = timezone.now()
        report.save()
        audit.record(None, "report.generated", report, changes={"size": report.size})
        _tell_requester(report, status=ReportStatus.DONE)
    return report


def _tell_requester(report: Report, **outcome: str) -> None:
    """The person who asked for the report hears how it ended (``outcome``: its status, and the error if any:
    the line keeps saying what happened then, should the report be made again)."""
    if report.requested_by is not None:
        notify(NotificationKind.REPORT_FINISHED, recipients=[report.requested_by], about=report, **outcome)
