"""The home page."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clearinghouse.core import pagecache
from clearinghouse.countries import selectors as countries
from clearinghouse.insights import selectors as insights


def home(request: HttpRequest) -> HttpResponse:
    states = countries.member_states()
    context = {
        "member_state_count": states.count(),
        "groups": countries.development_groups().annotate(member_count=Count("members")),
        "organization_count": countries.organizations().count(),
        # counted as this reader may see them: the public counts only what the public may see
        "catalogue": insights.published_figures(request.user),
        # where they come from, as a map (kept for this reader until a record changes)
        "measures_map": pagecache.kept_for_reader(request, "home-map", lambda: insights.measures_map(request.user)),
    }
    return render(request, "web/home.html", context)
