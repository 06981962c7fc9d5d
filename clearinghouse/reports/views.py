from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearinghouse.core.http import Request
from clearinghouse.reports import selectors, services
from clearinghouse.reports.forms import ReportRequestForm
from clearinghouse.reports.models import ReportFormat, ReportStatus

CONTENT_TYPES: dict[str, str] = {
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.HTML: "text/html; charset=utf-8",
}


def report_list(request: Request) -> HttpResponse:
    reports = selectors.reports_visible_to(request.user)[:100]
    can_generate = services.can_generate(request.user)
    context = {
        "reports": reports,
        "can_generate": can_generate,
        "form": ReportRequestForm() if can_generate else None,
        "running": any(r.status in (ReportStatus.QUEUED, ReportStatus.RUNNING) for r in reports),
    }
    template = "reports/_report_rows.html" if request.htmx else "reports/report_list.html"
    return render(request, template, context)


@login_required
@require_POST
def report_request(request: Request) -> HttpResponse:
    if not services.can_generate(request.user):
        raise PermissionDenied(_("Only a curator can generate reports."))
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_report(
                actor=request.user,
                resolution=data["resolution"],
                format=data["format"],
                start=data["start"],
                end=data["end"],
                edition=data["edition"],
                include_illustrative=data["include_illustrative"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The report is being generated; it appears below when it is ready."))
            return redirect("reports:report_list")
    reports = selectors.reports_visible_to(request.user)[:100]
    context = {"reports": reports, "can_generate": True, "form": form, "running": False}
    return render(request, "reports/report_list.html", context, status=400)


def report_download(request: Request, pk: int) -> FileResponse:
    report = get_object_or_404(selectors.reports_visible_to(request.user), pk=pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404(_("This report is not ready."))
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=report.format != ReportFormat.HTML,
        filename=report.download_name(),
        content_type=CONTENT_TYPES[report.format],
    )
    response["X-Content-Type-Options"] = "nosniff"
    if report.format == ReportFormat.HTML:
        # a generated report has no script: forbid any, and any request to another site
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response
