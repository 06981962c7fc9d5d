"""The curators' translation pages: the dashboard, the lists of records to translate, XLIFF out and back in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clearinghouse.catalog import selectors, services, translation_files
from clearinghouse.catalog.forms import XliffExportForm, XliffImportForm
from clearinghouse.catalog.models import Language
from clearinghouse.core.http import Request

LIST_SIZE = 50


def _require_curator(request: Request) -> None:
    if not request.user.is_curator:
        raise PermissionDenied(_("Translations are managed by Secretariat curators."))


def xliff_response(user: Any, language: str, kind: str, which: str, ids: dict[str, list[int]] | None) -> HttpResponse:
    """The XLIFF file as a download named for its language (the page and the API alike)."""
    kinds = [kind] if kind else list(selectors.RECORD_TYPES)
    data, _count = translation_files.export_xliff(user, language, kinds=kinds, ids=ids, which=which or "all")
    response = HttpResponse(data, content_type="application/x-xliff+xml; charset=utf-8")
    name = f"clearinghouse-{language}-{timezone.now():%Y%m%d}.xlf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def translation_dashboard(request: Request) -> HttpResponse:
    _require_curator(request)
    counts = selectors.translation_overview(request.user)
    kinds = list(selectors.RECORD_TYPES)
    rows = [
        {
            "language": language,
            "label": label,
            "counts": [next(c for c in counts if c.language == language and c.kind == kind) for kind in kinds],
        }
        for language, label in Language.choices
    ]
    context = {
        "kinds": [(kind, selectors.RECORD_TYPE_DETAILS[kind].label) for kind in kinds],
        "rows": rows,
        "export_form": XliffExportForm(initial={"which": "all"}),
        "import_form": XliffImportForm(),
    }
    return render(request, "catalog/translation_dashboard.html", context)


@login_required
@require_GET
def translation_list(request: Request, language: str, kind: str, which: str) -> HttpResponse:
    _require_curator(request)
    if language not in Language.values or kind not in selectors.RECORD_TYPES or which not in ("missing", "outdated"):
        raise Http404(_("There is no such list of translations."))
    records = selectors.records_to_translate(request.user, kind, language, which)
    page = Paginator(records, LIST_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "language": language,
        "language_label": Language(language).label,
        "kind": kind,
        "kind_label": selectors.RECORD_TYPE_DETAILS[kind].label,
        "title_field": selectors.RECORD_TYPE_DETAILS[kind].title_field,
        "which": which,
    }
    return render(request, "catalog/translation_list.html", context)


@login_required
@require_GET
def xliff_export(request: Request) -> HttpResponse:
    _require_curator(request)
    form = XliffExportForm(request.GET)
    if not form.is_valid():
        context = {"export_form": form, "import_form": XliffImportForm(), "rows": []}
        return render(request, "catalog/translation_dashboard.html", context, status=400)
    data = form.cleaned_data
    return xliff_response(request.user, data["language"], data["kind"], data["which"], data["records"])


@login_required
@require_http_methods(["POST"])
def xliff_import(request: Request) -> HttpResponse:
    _require_curator(request)
    form = XliffImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            report = services.import_xliff(
                form.cleaned_data["file"].read(), actor=request.user, language=form.cleaned_data["language"]
            )
        except services.XliffRefused as refused:
            problems = refused.problems
        else:
            return render(request, "catalog/translation_imported.html", {"report": report})
    context = {"form": form, "problems": problems}
    return render(request, "catalog/translation_refused.html", context, status=400)


@login_required
@require_POST
def translation_review(request: Request, kind: str, pk: int, language: str) -> HttpResponse:
    """A curator confirms that an outdated translation still says what the original says."""
    _require_curator(request)
    if kind not in selectors.RECORD_TYPES:
        raise Http404
    record = selectors.translatable(request.user, selectors.RECORD_TYPES[kind]).filter(pk=pk).first()
    translation = record.translations.filter(language=language).first() if record is not None else None
    if translation is None:
        raise Http404(_("There is no such translation, or you may not see it."))
    services.review_translation(translation, actor=request.user)
    messages.success(request, _("The translation is marked as reviewed and current."))
    return redirect("catalog:translation_list", language=language, kind=kind, which="outdated")
