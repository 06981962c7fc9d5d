"""Pages of the catalogue: search, measures, technologies, submission, review and history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from clearinghouse.catalog import exports, selectors, services
from clearinghouse.catalog.filters import MeasureFilterSet
from clearinghouse.catalog.forms import (
    AttachmentForm,
    CompareForm,
    MeasureForm,
    ReferenceFormSet,
    SendBackForm,
    SynonymForm,
    TaxonomyNamesForm,
    TranslationForm,
    WithdrawForm,
)
from clearinghouse.catalog.history import compare
from clearinghouse.catalog.models import Measure, MeasureAttachment, Pillar, Threat, ThreatSynonym
from clearinghouse.core import pagecache
from clearinghouse.core.http import Request
from clearinghouse.core.markdown import render_markdown
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState

SNAPSHOT_LABELS = {
    "title": _lazy("Title"),
    "summary": _lazy("Summary"),
    "description": _lazy("Description"),
    "language": _lazy("Original language"),
    "pillar": _lazy("Pillar"),
    "threats": _lazy("Threats countered"),
    "technologies": _lazy("Technologies used"),
    "status": _lazy("Status"),
    "since_year": _lazy("Since (year)"),
    "evidence": _lazy("Evidence of effect"),
    "evidence_source": _lazy("Source of the evidence"),
    "cost_range": _lazy("Cost"),
    "prerequisites": _lazy("Prerequisites"),
    "references": _lazy("References"),
    "tlp": _lazy("TLP marking"),
    "lifecycle": _lazy("State"),
}


VERSION_ACTIONS = {
    "created": _lazy("created"),
    "edited": _lazy("edited"),
    "submitted": _lazy("submitted for review"),
    "review_started": _lazy("review started"),
    "sent_back": _lazy("sent back"),
    "published": _lazy("published"),
    "withdrawn": _lazy("withdrawn"),
}


def _get_measure(request: Request, pk: int) -> Measure:
    try:
        return selectors.measure_detail(request.user, pk)
    except Measure.DoesNotExist:
        raise Http404(_("There is no measure at this address, or you may not see it.")) from None


def search(request: Request) -> HttpResponse:
    # only the filter form is used: the search index finds the measures (building the visibility rule here
    # for a queryset never run cost a member's page a few milliseconds)
    filterset = MeasureFilterSet(request.GET, queryset=Measure.objects.none())
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {"filter": filterset, "query": query.urlencode(), "sort": request.GET.get("sort", "")}
    if not filterset.is_valid():
        return render(request, "catalog/search.html", {**context, "result": None}, status=400)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    text = filterset.form.cleaned_data.get("q") or ""
    sort = "newest" if request.GET.get("sort") == "newest" or not text else "relevance"
    result = selectors.search_measures(
        request.user, query=text, sort=sort, page=page, selected=filterset.form.cleaned_data, full_records=False
    )
    for name, values in result.facets.items():
        params = request.GET.copy()
        params.pop("page", None)
        params.pop(name, None)
        for value in values:
            if not value.selected:
                params[name] = value.value
            value.url = params.urlencode()
            params.pop(name, None)
    # each result is rendered once per worker, language and query until any record changes (the stamp)
    context.update(result=result, sort=sort, content_stamp=pagecache.stamp_of(request) or "")
    as_list = request.GET.copy()
    as_list.pop("view", None)
    context["list_query"] = as_list.urlencode()
    if request.GET.get("view") == "map":
        context["map"] = _result_map(result)
    if request.htmx and not request.htmx.boosted:
        return render(request, "catalog/_results.html", context)
    return render(request, "catalog/search.html", context)


def _result_map(result: Any) -> Any:
    """The search's matches on a world map, by Member State (its facet counts: nothing counted again), each state
    leading to the search narrowed to it, still as a map."""
    from clearinghouse.countries import maps

    values = result.facets.get("country", [])
    numeric = dict(MemberState.objects.filter(alpha2__in=[v.value for v in values]).values_list("alpha2", "numeric"))
    links = {numeric[v.value].zfill(3): f"?{v.url}" for v in values if v.value in numeric}
    per_state = {v.value: v.count for v in values}
    title = _("Matching measures by Member State")
    return maps.counts_map(per_state, title=title, element_id="catalogue-map", links=links)


def _displayed_texts(measure: Measure, request: Request) -> tuple[Any, Any]:
    """The translation to show in the reader's language (None: the original)."""
    if request.GET.get("original"):
        return None, measure
    language = get_language() or "en"
    translation = next((t for t in measure.translations.all() if t.language == language), None)
    if translation is None or language == measure.language:
        return None, measure
    return translation, translation


def _languages_of(measure: Measure, texts: Any) -> dict[str, str]:
    """The language of each text shown: the translation's, or the original's where the translation has none."""
    languages = {"text": texts.language}
    for name in ("description", "evidence", "prerequisites"):
        languages[name] = texts.language if getattr(texts, name) else measure.language
    return languages


def _sharing(measure: Measure) -> dict[str, Any]:
    """Whom the owner shared the record with, shown to the owner's members only."""
    return {
        "states": list(measure.shared_with_states.order_by("name_en")),
        "organizations": list(measure.shared_with_organizations.order_by("name")),
        "people": [p.get_full_name() or p.username for p in measure.shared_with_users.order_by("username")]
        if measure.tlp == "red"
        else [],
    }


def measure_detail(request: Request, pk: int) -> HttpResponse:
    measure = _get_measure(request, pk)
    translation, texts = _displayed_texts(measure, request)
    is_member = services.is_member_of_owner(request.user, measure)
    context = {
        "measure": measure,
        "translation": translation,
        "title": texts.title,
        "summary": texts.summary,
        "description": render_markdown(texts.description or measure.description),
        "evidence": render_markdown(texts.evidence or measure.evidence),
        "prerequisites": texts.prerequisites or measure.prerequisites,
        "languages": _languages_of(measure, texts),
        "can_edit": services.can_edit(request.user, measure),
        "can_submit": is_member and measure.lifecycle == Lifecycle.DRAFT,
        "can_review": getattr(request.user, "is_curator", False)
        and measure.lifecycle in (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW),
        "can_withdraw": (is_member or getattr(request.user, "is_curator", False))
        and measure.lifecycle == Lifecycle.PUBLISHED,
        "can_translate": is_member or getattr(request.user, "is_curator", False),
        "sees_review": is_member or getattr(request.user, "is_curator", False),
        "sharing": _sharing(measure) if is_member else None,
        "related": selectors.related_measures(request.user, measure),
        "send_back_form": SendBackForm(),
        "withdraw_form": WithdrawForm(),
        "attachment_form": AttachmentForm(),
    }
    return render(request, "catalog/measure_detail.html", context)


def _measure_form(request: Request, measure: Measure | None) -> HttpResponse:
    technologies = selectors.technologies_visible_to(request.user).order_by("name")
    initial_refs = (
        [{"kind": r.kind, "title": r.title, "url": r.url} for r in measure.references.all()] if measure else []
    )
    if request.method == "POST":
        form = MeasureForm(request.POST, instance=measure or Measure(), technologies=technologies)
        references = ReferenceFormSet(request.POST, prefix="refs")
    else:
        form = MeasureForm(
            instance=measure, technologies=technologies, initial={"version": measure.version} if measure else {}
        )
        references = ReferenceFormSet(initial=initial_refs, prefix="refs")
    preview = None
    status = 200
    if request.method == "POST":
        valid = form.is_valid() and references.is_valid()
        if valid and "preview" not in request.POST:
            refs = [
                f.cleaned_data
                for f in references.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("title")
            ]
            refs = [{k: v for k, v in r.items() if k != "DELETE"} for r in refs]
            try:
                if measure is None:
                    saved = services.create_measure(actor=request.user, references=refs, **form.service_fields())
                    messages.success(request, _("The draft is saved. Submit it for review when it is ready."))
                else:
                    saved = services.update_measure(
                        measure,
                        actor=request.user,
                        references=refs,
                        expected_version=form.cleaned_data.get("version") or 0,
                        **form.service_fields(),
                    )
                    messages.success(request, _("The draft is saved."))
                return redirect(saved)
            except services.EditConflict as conflict:
                form.add_error(None, conflict)
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
        elif not valid:
            status = 400
        if "preview" in request.POST:
            preview = {
                "description": render_markdown(request.POST.get("description", "")),
                "evidence": render_markdown(request.POST.get("evidence", "")),
            }
    context = {"form": form, "references": references, "measure": measure, "preview": preview}
    return render(request, "catalog/measure_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request: Request) -> HttpResponse:
    if not (request.user.member_state_id or request.user.organization_id):
        raise PermissionDenied(_("Only members of a Member State or an organization can contribute measures."))
    return _measure_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: Request, pk: int) -> HttpResponse:
    measure = _get_measure(request, pk)
    if not services.can_edit(request.user, measure):
        raise PermissionDenied(_("Only members of the owner can edit this measure, and only while it is a draft."))
    return _measure_form(request, measure)


@require_POST
def markdown_preview(request: Request) -> HttpResponse:
    """The sanitized HTML of a Markdown text, for the live preview of the forms (htmx)."""
    text = request.POST.get("text") or request.POST.get("description") or request.POST.get("evidence") or ""
    return HttpResponse(render_markdown(text))


def _workflow(request: Request, pk: int, action: str) -> HttpResponse:
    measure = _get_measure(request, pk)
    try:
        if action == "submit":
            services.submit_measure(measure, actor=request.user)
            messages.success(request, _("Submitted: the Secretariat will review it."))
        elif action == "review":
            services.start_review(measure, actor=request.user)
        elif action == "publish":
            services.publish_measure(measure, actor=request.user)
            messages.success(request, _("Published."))
        elif action == "send_back":
            send_back = SendBackForm(request.POST)
            if not send_back.is_valid():
                raise ValidationError(_("Say what the owner should change."))
            services.send_back_measure(measure, actor=request.user, comment=send_back.cleaned_data["comment"])
            messages.success(request, _("Sent back to its owner with your comment."))
        elif action == "withdraw":
            withdraw = WithdrawForm(request.POST)
            withdraw.is_valid()
            services.withdraw_measure(measure, actor=request.user, comment=withdraw.cleaned_data.get("comment", ""))
            messages.success(request, _("Withdrawn."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(measure)
    return _after_workflow(request, measure)


def _after_workflow(request: Request, measure: Measure) -> HttpResponse:
    """Back to the measure, or, when the step took it out of the actor's sight (a curator sends a measure back
    to its owner's drafts), to the list the actor came from."""
    if selectors.measures_visible_to(request.user).filter(pk=measure.pk).exists():
        return redirect(measure)
    return redirect("catalog:review_queue" if request.user.is_curator else "catalog:my_submissions")


@login_required
@require_POST
def measure_workflow(request: Request, pk: int, action: str) -> HttpResponse:
    if action not in {"submit", "review", "publish", "send_back", "withdraw"}:
        raise Http404
    return _workflow(request, pk, action)


@login_required
@require_POST
def attachment_upload(request: Request, pk: int) -> HttpResponse:
    measure = _get_measure(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(measure)
    try:
        services.attach_file(measure, form.cleaned_data["file"], actor=request.user)
    except ValidationError as error:
        context = {"measure": measure, "errors": error.messages}
        return render(request, "catalog/attachment_refused.html", context, status=400)
    messages.success(request, _("The file is attached."))
    return redirect(measure)


def attachment_download(request: Request, pk: int) -> FileResponse:
    attachment = MeasureAttachment.objects.filter(
        pk=pk, measure__in=selectors.measures_visible_to(request.user)
    ).first()
    if attachment is None:
        raise Http404(_("There is no file at this address, or you may not see it."))
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=attachment.content_type not in ("image/png", "image/jpeg"),
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def translation_edit(request: Request, pk: int) -> HttpResponse:
    measure = _get_measure(request, pk)
    if not (services.is_member_of_owner(request.user, measure) or request.user.is_curator):
        raise PermissionDenied(_("Only members of the owner or a curator can translate this measure."))
    form = TranslationForm(request.POST or None, initial={"language": request.GET.get("language", "")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.set_measure_translation(
                measure, actor=request.user, language=data.pop("language"), quality=data.pop("quality"), **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The translation is saved."))
            return redirect(measure)
    status = 400 if form.errors else 200
    return render(request, "catalog/translation_form.html", {"measure": measure, "form": form}, status=status)


def measure_history(request: Request, pk: int) -> HttpResponse:
    measure = _get_measure(request, pk)
    versions = list(measure.versions.select_related("created_by").order_by("-number"))
    for version in versions:
        version.action_label = VERSION_ACTIONS.get(version.action, version.action)  # type: ignore[attr-defined]
    form = CompareForm(request.GET or None)
    changes = None
    if form.is_bound:
        if not form.is_valid():
            return render(
                request,
                "catalog/measure_history.html",
                {"measure": measure, "versions": versions, "form": form},
                status=400,
            )
        by_number = {v.number: v for v in versions}
        a, b = by_number.get(form.cleaned_data["a"]), by_number.get(form.cleaned_data["b"])
        if a is None or b is None:
            form.add_error(None, _("This measure has versions 1 to %(last)s.") % {"last": measure.version})
            return render(
                request,
                "catalog/measure_history.html",
                {"measure": measure, "versions": versions, "form": form},
                status=400,
            )
        changes = compare(a.snapshot, b.snapshot, {k: str(v) for k, v in SNAPSHOT_LABELS.items()})
    context = {"measure": measure, "versions": versions, "form": form, "changes": changes}
    return render(request, "catalog/measure_history.html", context)


@login_required
def review_queue(request: Request) -> HttpResponse:
    if not request.user.is_curator:
        raise PermissionDenied(_("The review queue is for Secretariat curators."))
    return render(request, "catalog/review_queue.html", {"measures": selectors.review_queue(request.user)})


@login_required
def my_submissions(request: Request) -> HttpResponse:
    return render(request, "catalog/my_submissions.html", {"measures": selectors.submissions_of(request.user)})


def technology_list(request: Request) -> HttpResponse:
    technologies = selectors.technologies_visible_to(request.user).prefetch_related("threats").order_by("name")
    return render(request, "catalog/technology_list.html", {"technologies": technologies})


def technology_detail(request: Request, slug: str) -> HttpResponse:
    technology = (
        selectors.technologies_visible_to(request.user).prefetch_related("threats__parent").filter(slug=slug).first()
    )
    if technology is None:
        raise Http404(_("There is no technology at this address, or you may not see it."))
    measures = selectors.measures_visible_to(request.user).filter(technologies=technology).order_by("title")
    language = get_language() or "en"
    translation = None
    if not request.GET.get("original") and language != technology.language:
        translation = technology.translations.filter(language=language).first()
    context = {
        "technology": technology,
        "translation": translation,
        "name": translation.name if translation else technology.name,
        "description": render_markdown((translation and translation.description) or technology.description),
        "measures": measures,
    }
    return render(request, "catalog/technology_detail.html", context)


def export(request: Request, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The current search as CSV or JSON (everything the user may see that matches, not one page)."""
    if fmt not in ("csv", "json"):
        raise Http404(_("Exports are CSV or JSON."))
    filterset = MeasureFilterSet(request.GET, queryset=selectors.measures_visible_to(request.user))
    if not filterset.is_valid():
        return HttpResponse(filterset.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    return exports.export_response(filterset.qs, filterset.form.cleaned_data.get("q") or "", fmt)


def _require_curator(request: Request) -> None:
    if not request.user.is_curator:
        raise PermissionDenied(_("The taxonomy is edited by Secretariat curators."))


@login_required
def taxonomy(request: Request) -> HttpResponse:
    """The threats and pillars with their names in the six languages and the threats' synonyms (curators)."""
    _require_curator(request)
    threats, pillars = selectors.taxonomy_for_curators()
    return render(request, "catalog/taxonomy.html", {"threats": threats, "pillars": pillars})


def _names_page(request: Request, node: Threat | Pillar, extra: dict[str, Any]) -> HttpResponse:
    names = {field: getattr(node, field) for field in services.taxonomy.NAME_FIELDS}
    form = TaxonomyNamesForm(request.POST if request.method == "POST" else None, initial=names)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rename_taxonomy_node(node, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The names are saved."))
                return redirect(request.path)
        status = 400
    context = {"node": node, "form": form, **extra}
    return render(request, "catalog/taxonomy_node.html", context, status=status)


def _threat(slug: str) -> Threat:
    return get_object_or_404(Threat.objects.select_related("parent"), slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def threat_names(request: Request, slug: str) -> HttpResponse:
    """A threat's names in the six languages and its synonyms, which a curator adds and removes here."""
    _require_curator(request)
    threat = _threat(slug)
    return _names_page(request, threat, {"synonyms": threat.synonyms.all(), "synonym_form": SynonymForm()})


@login_required
@require_http_methods(["GET", "POST"])
def pillar_names(request: Request, slug: str) -> HttpResponse:
    _require_curator(request)
    return _names_page(request, get_object_or_404(Pillar, slug=slug), {})


@login_required
@require_POST
def synonym_add(request: Request, slug: str) -> HttpResponse:
    _require_curator(request)
    threat = _threat(slug)
    form = SynonymForm(request.POST)
    if form.is_valid():
        try:
            synonym = services.add_threat_synonym(threat, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Synonym added: %(synonym)s") % {"synonym": synonym.text})
            return redirect("catalog:threat_names", slug=threat.slug)
    names = {field: getattr(threat, field) for field in services.taxonomy.NAME_FIELDS}
    context = {
        "node": threat,
        "form": TaxonomyNamesForm(initial=names),
        "synonyms": threat.synonyms.all(),
        "synonym_form": form,
    }
    return render(request, "catalog/taxonomy_node.html", context, status=400)


@login_required
@require_POST
def synonym_remove(request: Request, slug: str, pk: int) -> HttpResponse:
    _require_curator(request)
    synonym = get_object_or_404(ThreatSynonym.objects.select_related("threat"), pk=pk, threat__slug=slug)
    services.remove_threat_synonym(synonym, actor=request.user)
    messages.success(request, _("Synonym removed: %(synonym)s") % {"synonym": synonym.text})
    return redirect("catalog:threat_names", slug=slug)
