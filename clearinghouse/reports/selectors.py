from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clearinghouse.reports.models import Edition, Report, ReportStatus
from clearinghouse.reports.services import can_generate


def reports_visible_to(user: Any) -> QuerySet[Report]:
    """Curators see every report and its progress; others the finished public editions (made for the Council)."""
    reports = Report.objects.select_related("resolution", "requested_by")
    if can_generate(user):
        return reports
    return reports.filter(edition=Edition.PUBLIC, status=ReportStatus.DONE, include_illustrative=False)
