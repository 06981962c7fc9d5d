"""The pages of STIX imports: the list of imports a person may see, the upload, and an import's report."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clearinghouse.core.http import Request
from clearinghouse.exchange import importing, selectors
from clearinghouse.exchange.forms import ImportUploadForm
from clearinghouse.exchange.models import ImportSource, ImportStatus


def can_import(user: Any) -> bool:
    """A member of a Member State or an organization (their drafts have an owner), or a curator."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_curator", False) or user.member_state_id or user.organization_id)


@login_required
def import_list(request: Request) -> HttpResponse:
    page = Paginator(selectors.imports_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "exchange/import_list.html", {"page": page, "can_import": can_import(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: Request) -> HttpResponse:
    if not can_import(request.user):
        raise PermissionDenied(_("Imports make drafts of a Member State or an organization: you belong to neither."))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    run = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = settings.STIX_IMPORT_MAX_BYTES
        if upload.size > limit:
            form.add_error(
                "file",
                _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"size": f"{upload.size:,}", "limit": f"{limit:,}"},
            )
        else:
            run = importing.import_bundle(
                upload.read(), actor=request.user, source=ImportSource.UPLOAD, origin=upload.name or ""
            )
            if run.status == ImportStatus.COMPLETE:
                messages.success(
                    request,
                    _("%(total)s objects read: %(created)s new drafts in review, %(updated)s updated.")
                    % {
                        "total": f"{run.total_count:,}",
                        "created": f"{run.created_count:,}",
                        "updated": f"{run.updated_count:,}",
                    },
                )
                return redirect("exchange_pages:import_detail", pk=run.pk)
            for error in run.report.get("errors", [])[:5]:
                form.add_error("file", error)
    status = 400 if form.errors else 200
    return render(request, "exchange/import_new.html", {"form": form, "run": run}, status=status)


@login_required
def import_detail(request: Request, pk: uuid.UUID) -> HttpResponse:
    run = get_object_or_404(selectors.imports_visible_to(request.user), pk=pk)
    report = run.report or {}
    unmapped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in report.get("unmapped", []):
        unmapped[entry["type"]].append(entry)
    by_type = [
        {"type": kind, "count": count, "entries": unmapped.get(kind, [])}
        for kind, count in (report.get("unmapped_by_type") or {}).items()
    ]
    context = {
        "run": run,
        "report": report,
        "records": report.get("records", []),
        "failures": report.get("failures", []),
        "errors": report.get("errors", []),
        "unmapped_by_type": by_type,
        "omitted": report.get("omitted", {}),
        "linked": report.get("linked", 0),
    }
    return render(request, "exchange/import_detail.html", context)
