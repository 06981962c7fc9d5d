from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clearinghouse.core.visibility import Viewer
from clearinghouse.reports.models import Edition, Report, ReportStatus
from clearinghouse.reports.services import can_generate


def reports_visible_to(user: Any) -> QuerySet[Report]:
    """Curators see every report and its progress; others the finished editions made for them: anyone the public
    one (made for the Council), a signed-in member of the community the community edition too."""
    reports = Report.objects.select_related("resolution", "requested_by")
    if can_generate(user):
        return reports
    editions = [Edition.PUBLIC] if Viewer.of(user).is_anonymous else [Edition.PUBLIC, Edition.COMMUNITY]
    return reports.filter(edition__in=editions, status=ReportStatus.DONE, include_illustrative=False)
