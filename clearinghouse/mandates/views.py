from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clearinghouse.core.http import Request
from clearinghouse.core.views import invalid_query
from clearinghouse.countries.models import BDTRegion
from clearinghouse.mandates import selectors, services
from clearinghouse.mandates.filters import ActivityFilterSet
from clearinghouse.mandates.forms import ActivityForm, ResolutionImportForm
from clearinghouse.mandates.models import ActivityKind, Body, Clause, Resolution, SectionKind


def _resolution(body: str, number: int) -> Resolution:
    if body not in Body.values:
        raise Http404(_("No such body."))
    return get_object_or_404(Resolution, body=body, number=number)


def resolution_list(request: Request) -> HttpResponse:
    revisions = list(selectors.current_revisions())
    counts = selectors.status_counts(request.user, revisions)
    titles = selectors.titles_in(revisions)
    rows = [(revision.resolution, revision, counts[revision.pk], titles[revision.pk]) for revision in revisions]
    return render(
        request, "mandates/resolution_list.html", {"rows": rows, "can_import": services.is_curator(request.user)}
    )


def _sequence(request: Request, name: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise BadQuery(_("%(name)s: a revision number is expected, not %(value)r.") % {"name": name, "value": value})
    return int(value)


def _reads_query(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A query parameter that cannot be read is a 400 naming it, not a server error."""

    @wraps(view)
    def wrapper(request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadQuery as error:
            return invalid_query(request, str(error))

    return wrapper


class BadQuery(ValueError):
    pass


@_reads_query
def resolution_detail(request: Request, body: str, number: int) -> HttpResponse:
    resolution = _resolution(body, number)
    revision = selectors.revision_of(resolution, _sequence(request, "revision"))
    if revision is None:
        raise Http404(_("This resolution has no such revision."))
    view = selectors.resolution_view(request.user, revision, "en" if request.GET.get("original") else None)
    context = {
        "view": view,
        "resolution": resolution,
        "revision": revision,
        "revisions": list(resolution.revisions.order_by("-sequence")),
        "is_newest": revision == resolution.current_revision(),
        "can_import": services.is_curator(request.user),
    }
    return render(request, "mandates/resolution_detail.html", context)


@_reads_query
def revision_compare(request: Request, body: str, number: int) -> HttpResponse:
    resolution = _resolution(body, number)
    revisions = list(resolution.revisions.order_by("-sequence"))
    if len(revisions) < 2:
        return render(request, "mandates/revision_compare.html", {"resolution": resolution, "revisions": revisions})
    to, since = _sequence(request, "to"), _sequence(request, "from")
    new = revisions[0] if to is None else selectors.revision_of(resolution, to)
    old = revisions[1] if since is None else selectors.revision_of(resolution, since)
    if old is None or new is None:
        raise Http404(_("This resolution has no such revision."))
    changes = selectors.compare_revisions(old, new)
    context = {
        "resolution": resolution,
        "revisions": revisions,
        "old": old,
        "new": new,
        "changes": changes,
        "only_changes": request.GET.get("all") != "1",
    }
    return render(request, "mandates/revision_compare.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resolution_import(request: Request) -> HttpResponse:
    if not services.is_curator(request.user):
        raise PermissionDenied(_("Importing resolutions is for Secretariat curators."))
    form = ResolutionImportForm(request.POST or None, request.FILES or None)
    parsed = None
    language_preview = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["language"] != "en":
        try:
            language_preview = _import_language(request, form)
        except ValidationError as error:
            form.add_error(None, error)
        if isinstance(language_preview, HttpResponse):
            return language_preview
    elif request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            if "save" in request.POST:
                result = services.import_resolution(
                    text,
                    actor=request.user,
                    source_name=request.POST.get("source_name") or form.cleaned_data["source_name"],
                    body=form.cleaned_data["body"],
                )
                if result.created:
                    messages.success(
                        request,
                        _("Resolution %(number)s %(label)s imported.")
                        % {"number": result.revision.resolution.number, "label": result.revision.label},
                    )
                else:
                    messages.info(request, _("This text has been imported already: nothing changed."))
                return redirect(result.revision.resolution)
            parsed = services.preview_resolution(text)
        except ValidationError as error:
            form.add_error(None, error)
    context = {
        "form": form,
        "parsed": parsed,
        "language_preview": language_preview,
        "text": form.cleaned_data.get("text", "") if form.is_bound and hasattr(form, "cleaned_data") else "",
        "source_name": form.cleaned_data.get("source_name", "")
        if form.is_bound and hasattr(form, "cleaned_data")
        else "",
    }
    return render(request, "mandates/resolution_import.html", context, status=400 if form.errors else 200)


def _import_language(request: Request, form: ResolutionImportForm) -> services.LanguagePreview | HttpResponse:
    """The official text in another language: previewed against the revision it matches, or attached to it."""
    data = form.cleaned_data
    if "save" not in request.POST:
        return services.preview_resolution_language(data["text"], language=data["language"], body=data["body"])
    result = services.import_resolution_language(
        data["text"],
        actor=request.user,
        language=data["language"],
        body=data["body"],
        source_name=request.POST.get("source_name") or data["source_name"],
    )
    if result.created:
        messages.success(
            request,
            _("The text in %(language)s is attached to Resolution %(number)s %(label)s.")
            % {
                "language": result.language,
                "number": result.revision.resolution.number,
                "label": result.revision.label,
            },
        )
    else:
        messages.info(request, _("This text has been imported already: nothing changed."))
    return redirect(result.revision.resolution)


def activity_list(request: Request) -> HttpResponse:
    filterset = ActivityFilterSet(request.GET, queryset=selectors.activities(request.user))
    context = {
        "filterset": filterset,
        "clause": None,
        "kinds": ActivityKind.choices,
        "regions": BDTRegion.choices,
        "selected": request.GET,
        "can_record": services.is_curator(request.user),
    }
    if not filterset.is_valid():
        return render(request, "mandates/activity_list.html", {**context, "activities": [], "total": 0}, status=400)
    found = filterset.qs
    context |= {"activities": found[:200], "total": found.count(), "clause": filterset.form.cleaned_data.get("clause")}
    return render(request, "mandates/activity_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: Request) -> HttpResponse:
    if not services.is_curator(request.user):
        raise PermissionDenied(_("Recording activities is for Secretariat curators."))
    clauses = Clause.objects.filter(
        section__revision__in=selectors.current_revisions(), section__kind=SectionKind.OPERATIVE
    ).order_by("section__revision__resolution__number", "section__position", "position")
    initial = {"clauses": [request.GET["clause"]]} if request.GET.get("clause", "").isdigit() else None
    form = ActivityForm(request.POST or None, clauses=clauses, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["indicators"] = data.pop("indicators_text")
        chosen = list(data.pop("clauses"))
        try:
            activity = services.create_activity(actor=request.user, clauses=chosen, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Activity “%(title)s” recorded.") % {"title": activity.title})
            return redirect(chosen[0].section.revision.resolution)
    return render(request, "mandates/activity_form.html", {"form": form}, status=400 if form.errors else 200)
