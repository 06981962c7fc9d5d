"""Pages of insights: Member States side by side, a state's gaps against its peers (docs/member-states.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Threat
from clearinghouse.core import pagecache
from clearinghouse.core.http import Request
from clearinghouse.core.spreadsheets import csv_lines
from clearinghouse.countries.filters import MemberStateFilterSet
from clearinghouse.countries.models import MemberState
from clearinghouse.countries.selectors import member_state, member_states
from clearinghouse.insights import compare as comparing
from clearinghouse.insights import gaps as gap_analysis
from clearinghouse.insights import recommend as recommending
from clearinghouse.insights import tracker as telecom


def compare(request: Request) -> HttpResponse | StreamingHttpResponse:
    """Up to four states chosen by ``?state=KE&state=NG`` (or ``?state=KE,NG``): the page, or with ``?format=csv``
    their measures as CSV. None chosen: the page asks which; an unknown code or more than four: the page says so
    (400), with the choice to make again."""
    codes = request.GET.getlist("state")
    context: dict[str, Any] = {
        "choices": member_states(),
        "chosen": [],
        "comparison": None,
        "error": "",
        "most": comparing.MOST,
        "slots": [""] * comparing.MOST,
    }
    try:
        states = comparing.chosen_states(codes)
    except comparing.ComparisonError as error:
        context["error"] = str(error)
        body = render_to_string("insights/_compare_body.html", context, request)
        return render(request, "insights/compare.html", {"body": SafeString(body)}, status=400)
    context["chosen"] = [state.alpha2 for state in states]
    if request.GET.get("format") == "csv" and states:
        rows = comparing.csv_rows(states, request.user, request.build_absolute_uri)
        response = StreamingHttpResponse(csv_lines(comparing.COLUMNS, rows), content_type="text/csv; charset=utf-8")
        name = "-".join(state.alpha2 for state in states)
        response["Content-Disposition"] = f'attachment; filename="compare-{name}.csv"'
        return response
    codes = context["chosen"]
    context["slots"] = [*codes, *[""] * (comparing.MOST - len(states))]

    def side_by_side() -> dict[str, Any]:
        if states:
            # the compared states alone in the tracker: a small tally, not the whole tracker's
            found = telecom.statuses(request.user, codes)
            context["comparison"] = comparing.comparison(states, request.user)
            context["tracker"] = telecom.by_threat(telecom.tracker(states, found))
            context["labels"] = telecom.LABELS
        return context

    # the page's body (the choice of states with its 776 options, the comparison) kept for this reader until a
    # record changes: a member compares the same states again and again, and rendering it costs most
    # (a name of its own: what an older release kept as "comparison", in a cache that outlives it, was not HTML)
    body = pagecache.kept_rendering(request, "comparison-body", "insights/_compare_body.html", side_by_side, codes)
    return render(request, "insights/compare.html", {"body": body})


def gaps(request: Request, alpha2: str) -> HttpResponse:
    """Where the state has no measure in operation that states of its region and groups have, over what the reader
    may see; an unknown code is a page saying so (404)."""
    try:
        state = member_state(alpha2)
    except MemberState.DoesNotExist:
        error = _("No Member State has the code %(codes)s.") % {"codes": alpha2.upper()}
        return render(request, "insights/gaps.html", {"state": None, "error": error}, status=404)
    covered = pagecache.kept_for_reader(request, "insights-coverage", lambda: gap_analysis.coverage(request.user))
    found = gap_analysis.analysis(state, request.user, covered)
    return render(request, "insights/gaps.html", {"state": state, "analysis": found})


def tracker(request: Request) -> HttpResponse | StreamingHttpResponse:
    """Each Member State (or those of a region or development group) against the misuses regulators deal with;
    ``?format=csv`` the same as CSV."""
    filterset = MemberStateFilterSet(request.GET, queryset=member_states())
    if not filterset.is_valid():
        context: dict[str, Any] = {"filter": filterset, "table": None, "labels": telecom.LABELS}
        return render(request, "insights/tracker.html", context, status=400)
    found = pagecache.kept_for_reader(request, "insights-tracker", lambda: telecom.statuses(request.user))
    table = telecom.tracker(filterset.qs, found)
    if request.GET.get("format") == "csv":
        columns = [*telecom.COLUMNS, *(column.threat.slug for column in table.columns)]
        lines = csv_lines(columns, telecom.csv_rows(table))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="telecom-measures-tracker.csv"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    cells = telecom.cell_html()
    context = {
        "filter": filterset,
        "table": table,
        "rows": [(state, [cells[cell] for cell in marks]) for state, marks in table.rows],
        "labels": telecom.LABELS,
        "query": query.urlencode(),
        "map": telecom.world_map(table),
    }
    return render(request, "insights/tracker.html", context)


def recommendations(request: Request, alpha2: str) -> HttpResponse:
    """Technologies comparable states use in measures in operation and the state uses in none, and measures they
    have in operation against threats the state has none against, ranked, with the reason for each (``?threat=``
    one threat alone); over what the reader may see."""
    try:
        state = member_state(alpha2)
    except MemberState.DoesNotExist:
        error = _("No Member State has the code %(codes)s.") % {"codes": alpha2.upper()}
        return render(request, "insights/recommendations.html", {"state": None, "error": error}, status=404)
    threats = Threat.objects.filter(children__isnull=True).order_by("position", "slug")
    chosen, error, status = None, "", 200
    if request.GET.get("threat"):
        chosen = threats.filter(slug=request.GET["threat"]).first()
        if chosen is None:
            error, status = _("No threat has the short name %(slug)s.") % {"slug": request.GET["threat"]}, 400
    covered = pagecache.kept_for_reader(request, "insights-coverage", lambda: gap_analysis.coverage(request.user))
    found = None
    if not error:
        slug = chosen.slug if chosen else ""
        used = pagecache.kept_for_reader(
            request, "insights-technology-use", lambda: recommending.technology_use(request.user, chosen), slug
        )
        found = recommending.recommend(state, request.user, covered, chosen, used)
    context: dict[str, Any] = {"state": state, "found": found, "threats": threats, "chosen": chosen, "error": error}
    context["peers_read"] = recommending.PEERS
    return render(request, "insights/recommendations.html", context, status=status)
