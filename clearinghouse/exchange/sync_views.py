"""The exchange's pages: how to connect a TAXII client, and the curators' sync sources."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearinghouse.core.http import Request
from clearinghouse.exchange import selectors, services
from clearinghouse.exchange.models import ImportRun, SyncSource
from clearinghouse.exchange.sync_forms import SyncSourceForm


def exchange_home(request: Request) -> HttpResponse:
    """The addresses a CERT's MISP, an OpenCTI or another instance needs, and the collections this person reads."""
    root = request.build_absolute_uri("/taxii2/api/")
    collections = [
        {"collection": c, "objects_url": f"{root}collections/{c.id}/objects/"}
        for c in selectors.collections_for(request.user)
    ]
    context = {
        "discovery_url": request.build_absolute_uri("/taxii2/"),
        "api_root": root,
        "collections": collections,
        "can_manage_sync": services.can_manage_sync(request.user),
    }
    return render(request, "exchange/home.html", context)


def _require_curator(request: Request) -> None:
    if not services.can_manage_sync(request.user):
        raise PermissionDenied(_("Only a curator can configure sync sources."))


def _sources() -> list[Any]:
    recent = ImportRun.objects.order_by("-requested_at")
    sources = SyncSource.objects.select_related("owner_state", "owner_organization").prefetch_related(
        Prefetch("runs", queryset=recent, to_attr="all_runs")
    )
    found = list(sources)
    for source in found:
        source.recent_runs = source.all_runs[:5]  # type: ignore[attr-defined]
    return found


@login_required
def sync_list(request: Request) -> HttpResponse:
    _require_curator(request)
    form = SyncSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_sync_source(actor=request.user, verify=True, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved. The first pull runs now in the background; its result appears below."))
            return redirect("sync:sync_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/sync_list.html", {"sources": _sources(), "form": form}, status=status)


@login_required
def sync_edit(request: Request, pk: int) -> HttpResponse:
    _require_curator(request)
    source = get_object_or_404(SyncSource, pk=pk)
    form = SyncSourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_sync_source(source, actor=request.user, verify=True, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("sync:sync_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/sync_edit.html", {"source": source, "form": form}, status=status)


@login_required
@require_POST
def sync_run(request: Request, pk: int) -> HttpResponse:
    _require_curator(request)
    services.run_sync_now(get_object_or_404(SyncSource, pk=pk), actor=request.user)
    messages.success(request, _("The pull runs now in the background; reload to see its result."))
    return redirect("sync:sync_list")


@login_required
@require_POST
def sync_toggle(request: Request, pk: int) -> HttpResponse:
    _require_curator(request)
    source = get_object_or_404(SyncSource, pk=pk)
    services.set_sync_enabled(source, actor=request.user, enabled=not source.enabled)
    messages.success(request, _("Enabled: pulls resume on schedule.") if not source.enabled else _("Disabled."))
    return redirect("sync:sync_list")
