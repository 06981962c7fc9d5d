"""Every read of the catalogue, starting from the visibility rule.

Search results, facet counts and snippets are computed only over what the user may see: the
visible, filtered queryset is handed to the search engine as a subquery of allowed ids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    Pillar,
    Technology,
    Threat,
)
from clearinghouse.catalog.search.querying import FacetValue, SearchResult, in_language, search_measures
from clearinghouse.core.visibility import Lifecycle

PAGE_SIZE = search.PAGE_SIZE

__all__ = ["FacetValue", "SearchResult", "in_language", "search_measures"]


def measures_visible_to(user: Any) -> QuerySet[Measure]:
    """Measures this user may see, with what list pages show of each."""
    return Measure.objects.visible_to(user).select_related("pillar", "owner_state", "owner_organization")


def measures_for_report(*, restricted: bool, include_illustrative: bool = False) -> QuerySet[Measure]:
    """Published measures a report may count: TLP:CLEAR only for the public edition, all but TLP:RED for the
    restricted one; illustrative measures only when asked (demonstrations)."""
    from django.contrib.auth.models import AnonymousUser

    found = Measure.objects.exportable() if restricted else Measure.objects.visible_to(AnonymousUser())
    if not include_illustrative:
        found = found.filter(is_illustrative=False)
    return found


def publication_span(measures: QuerySet[Measure]) -> tuple[Any, Any]:
    """When the first and the last of ``measures`` were published (walking the index on the publication date
    until the first one of them): a report's period never reveals a record its readers may not see."""
    dated = measures.filter(published_at__isnull=False).values_list("published_at", flat=True)
    return dated.order_by("published_at").first(), dated.order_by("-published_at").first()


def facet_counts(measures: QuerySet[Measure]) -> tuple[int, dict[str, dict[str, int]]]:
    """How many ``measures`` there are, and for each facet value (pillar, threat and family, BDT region,
    development group, Member State, language, status, year) how many have it: exact, from the search's
    bitmaps, so counting a million measures costs one scan for their ids."""
    return search.facet_counts(measures)


def technologies_visible_to(user: Any) -> QuerySet[Technology]:
    return Technology.objects.visible_to(user).select_related("owner_state", "owner_organization")


def measure_detail(user: Any, pk: int) -> Measure:
    """One measure with everything its page shows; ``Measure.DoesNotExist`` if unseen or absent."""
    return (
        measures_visible_to(user)
        .prefetch_related(
            "threats__parent",
            "references",
            "attachments",
            "translations",
            "review_comments__author",
            Prefetch("technologies", queryset=technologies_visible_to(user)),
        )
        .get(pk=pk)
    )


def threats() -> QuerySet[Threat]:
    return Threat.objects.select_related("parent").order_by("position")


def threat_families() -> QuerySet[Threat]:
    return Threat.objects.filter(parent=None).prefetch_related("children").order_by("position")


def pillars() -> QuerySet[Pillar]:
    return Pillar.objects.order_by("position")


def review_queue(user: Any) -> QuerySet[Measure]:
    return (
        measures_visible_to(user)
        .filter(lifecycle__in=[Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW])
        .order_by("submitted_at")
    )


def submissions_of(user: Any) -> QuerySet[Measure]:
    """Everything the user's state or organization has contributed, in any state."""
    own = Q(pk__in=[])
    if getattr(user, "member_state_id", None):
        own |= Q(owner_state_id=user.member_state_id)
    if getattr(user, "organization_id", None):
        own |= Q(owner_organization_id=user.organization_id)
    return measures_visible_to(user).filter(own).order_by("-updated_at")


def related_measures(user: Any, measure: Measure, limit: int = 5) -> list[Measure]:
    """Other measures the user may see that counter the same threats, the most threats in common first."""
    threat_ids = [t.pk for t in measure.threats.all()]
    if not threat_ids:
        return []
    return list(
        measures_visible_to(user)
        .filter(threats__in=threat_ids)
        .exclude(pk=measure.pk)
        .annotate(shared=Count("threats", distinct=True))
        .order_by("-shared", F("published_at").desc(nulls_last=True))[:limit]
    )
