"""What a Member State's or an organization's page says of its measures and activities, over what the reader may
see alone.

Every figure here is read through ``catalog.selectors.measures_visible_to`` and
``mandates.selectors.activities_visible_to``, the one access rule: an AMBER measure of the state not shared with
the reader is neither listed nor counted, in any row of any table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Window
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from clearinghouse.catalog.models import Measure, MeasureStatus, Pillar, Threat
from clearinghouse.catalog.search.engine import latest, tally
from clearinghouse.catalog.selectors import measures_visible_to, technologies_visible_to
from clearinghouse.core.languages import reader_number
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import BDTRegion, MemberState
from clearinghouse.mandates.selectors import activities_visible_to

#: The statuses of a measure "in operation" (the gap analysis's word too).
IN_OPERATION = (MeasureStatus.OPERATIONAL, MeasureStatus.EVALUATED)
#: How many of the state's latest measures, technologies and activities the page lists.
LISTED = 10


@dataclass
class Row:
    """A line of a profile's table: a pillar or a threat family, its measures and how many are in operation."""

    key: str
    label: str
    measures: int
    in_operation: int
    url: str  # the catalogue, narrowed to the state and this pillar or threat


@dataclass
class StateProfile:
    total: int = 0
    in_operation: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    pillars: list[Row] = field(default_factory=list)
    threats: list[Row] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)  # (since year, measures), oldest first
    undated: int = 0
    latest: list[Measure] = field(default_factory=list)
    technologies: list[Any] = field(default_factory=list)  # each with ``uses``: the state's measures using it
    activities: list[Any] = field(default_factory=list)
    activity_count: int = 0
    catalogue_url: str = ""
    pillar_chart: str = ""  # SVG, beside the table by pillar
    year_chart: str = ""  # SVG, beside the timeline
    region_map: str = ""  # SVG: the states of its region and their measures (a Member State's page)


def _catalogue(owner: Any, **narrowed: str) -> str:
    """The catalogue narrowed to a state's measures (and a pillar or threat); "" for an organization's, which the
    catalogue's filters do not name."""
    if not isinstance(owner, MemberState):
        return ""
    query = "&".join([f"country={owner.alpha2}", *(f"{key}={value}" for key, value in narrowed.items())])
    return f"{reverse('catalog:search')}?{query}"


def in_order(measures: Any, ids: list[int]) -> list[Measure]:
    """These measures of ``ids``, in that order (the access rule applied again: it costs nothing on a few ids)."""
    found = {m.pk: m for m in measures.filter(pk__in=ids).select_related("pillar")}
    return [found[pk] for pk in ids if pk in found]


def owner_where(owner: Any) -> dict[str, list[str]]:
    """What narrows a tally to the measures of a state (its code) or an organization (its id)."""
    if isinstance(owner, MemberState):
        return {"country": [owner.alpha2]}
    return {"organization": [str(owner.pk)]}


def family_rows(counted: dict[tuple[str, ...], int], *key: str) -> dict[str, tuple[int, int]]:
    """From a tally by (…``key``, threat, status): each threat family's measures and those in operation (a measure
    filed under a threat counts once for its family: the index files it under both)."""
    families = set(Threat.objects.filter(parent__isnull=True).values_list("slug", flat=True))
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (*prefix, slug, status), n in counted.items():
        if tuple(prefix) == key and slug in families:
            found[slug][0] += n
            found[slug][1] += n if status in IN_OPERATION else 0
    return {slug: (n, on) for slug, (n, on) in found.items()}


def technologies_used(user: Any, where: dict[str, list[str]]) -> list[Any]:
    """The ``LISTED`` technologies ``user`` may see that most of the measures ``where`` (``owner_where``) use that
    ``user`` may see, each with ``uses``, their number: a tally of the search index, whatever the number of
    measures."""
    uses = {int(technology): n for (technology,), n in tally(user, ("technology",), where).items()}
    found: list[Any] = list(technologies_visible_to(user).filter(pk__in=list(uses)))
    for technology in found:
        technology.uses = uses[technology.pk]
    found.sort(key=lambda technology: (-technology.uses, technology.name, technology.pk))
    return found[:LISTED]


def state_profile(owner: Any, user: Any) -> dict[str, Any]:
    """The context of the profile on a state's or an organization's page: its measures and activities ``user``
    may see, counted (tallies of the search index, whatever the number of measures; the access rule narrows them
    as it narrows every search)."""
    is_state = isinstance(owner, MemberState)
    where = owner_where(owner)
    found = StateProfile(catalogue_url=_catalogue(owner))
    per_pillar = tally(user, ("pillar", "status"), where)
    statuses: dict[str, int] = defaultdict(int)
    pillar_cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (slug, status), n in per_pillar.items():
        statuses[status] += n
        pillar_cells[slug][0] += n
        pillar_cells[slug][1] += n if status in IN_OPERATION else 0
    found.total = sum(statuses.values())
    found.in_operation = sum(statuses.get(status, 0) for status in IN_OPERATION)
    found.by_status = [(str(label), statuses.get(value, 0)) for value, label in MeasureStatus.choices]
    if found.total:
        measures = measures_visible_to(user).filter(**{"owner_state" if is_state else "owner_organization": owner})
        found.pillars = [
            Row(p.slug, p.name, pillar_cells[p.slug][0], pillar_cells[p.slug][1], _catalogue(owner, pillar=p.slug))
            for p in Pillar.objects.order_by("position")
            if p.slug in pillar_cells
        ]
        families = family_rows(tally(user, ("threat", "status"), where))
        names = {t.slug: t for t in Threat.objects.filter(slug__in=list(families))}
        found.threats = sorted(
            (
                Row(slug, names[slug].name, n, on, _catalogue(owner, threat=slug))
                for slug, (n, on) in families.items()
                if slug in names
            ),
            key=lambda row: (-row.measures, row.label),
        )
        years = {int(year): n for (year,), n in tally(user, ("year",), where).items()}
        found.undated = found.total - sum(years.values())
        found.years = sorted(years.items())
        found.latest = in_order(measures, latest(user, where, LISTED))
        found.technologies = technologies_used(user, where)
        from clearinghouse.insights.charts import bar_chart

        key = getattr(owner, "alpha2", None) or getattr(owner, "slug", "owner")
        found.pillar_chart = bar_chart(
            [(row.label, row.measures, reader_number(row.measures)) for row in found.pillars],
            title=gettext("Measures by pillar"),
            chart_id=f"pillars-{key}",
        )
        if found.years:
            found.year_chart = bar_chart(
                [(str(year), n, reader_number(n)) for year, n in found.years],
                title=gettext("Measures by the year they started"),
                chart_id=f"years-{key}",
            )
    if is_state:
        found.region_map = region_map(owner, user)
    activities = activities_visible_to(user).filter(**{"states" if is_state else "organizations": owner})
    # the ten latest and how many there are, in one query (the access rule compiled and run once, not twice)
    found.activities = list(activities.annotate(total=Window(Count("pk"))).order_by("-starts_on", "-pk")[:LISTED])
    found.activity_count = found.activities[0].total if found.activities else 0
    return {"profile": found}


def published_figures(user: Any) -> dict[str, int]:
    """How many published measures ``user`` may see, and how many Member States and organizations contributed them
    (tallies of the search index, whatever the number of measures)."""
    published = {"lifecycle": [Lifecycle.PUBLISHED]}
    measures = sum(tally(user, ("lifecycle",), published).values())
    owners = len(tally(user, ("country",), published)) + len(tally(user, ("organization",), published))
    return {"measures": measures, "owners": owners}


def published_per_state(user: Any) -> dict[str, int]:
    """Each Member State's published measures ``user`` may see (one tally of the search index)."""
    counted = tally(user, ("country",), {"lifecycle": [Lifecycle.PUBLISHED]})
    return {alpha2: n for (alpha2,), n in counted.items()}


def measures_map(user: Any) -> SafeString:
    """A world map of the published measures ``user`` may see, each state shaded by how many it has (one tally of
    the search index, whatever the number of measures)."""
    from clearinghouse.countries import maps

    title = gettext("Published measures by Member State")
    return maps.counts_map(published_per_state(user), title=title, element_id="measures-map")


def region_map(state: MemberState, user: Any) -> SafeString:
    """The states of ``state``'s BDT region on a map of their published measures ``user`` may see, ``state``
    outlined, each leading to its profile."""
    from clearinghouse.countries import maps

    region = MemberState.objects.filter(bdt_region=state.bdt_region)
    codes = dict(region.values_list("alpha2", "numeric"))
    per_state = {alpha2: n for alpha2, n in published_per_state(user).items() if alpha2 in codes}
    links = {codes[alpha2].zfill(3): reverse("countries:member_state_detail", args=[alpha2]) for alpha2 in per_state}
    title = gettext("Published measures in %(region)s") % {"region": BDTRegion(state.bdt_region).label}
    view = maps.bounds({numeric.zfill(3) for numeric in codes.values()})
    return maps.counts_map(
        per_state, title=title, element_id="region-map", states=region, links=links, marked=state, view=view
    )
