"""The catalogue's filters, by name, shared by the search page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clearinghouse.catalog.models import (
    Language,
    Measure,
    MeasureStatus,
    MeasureTranslation,
    Pillar,
    Technology,
    Threat,
)
from clearinghouse.countries.models import BDTRegion, GroupCode, MemberState

ALL = _("All")


class MeasureFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_nothing")
    pillar = django_filters.ModelChoiceFilter(
        queryset=Pillar.objects.all(), to_field_name="slug", label=_("Pillar"), empty_label=ALL
    )
    threat = django_filters.ModelChoiceFilter(
        queryset=Threat.objects.all(),
        to_field_name="slug",
        label=_("Threat"),
        method="filter_threat",
        empty_label=ALL,
    )
    region = django_filters.ChoiceFilter(
        field_name="owner_state__bdt_region", choices=BDTRegion.choices, label=_("BDT region"), empty_label=ALL
    )
    group = django_filters.ChoiceFilter(
        field_name="owner_state__groups__code",
        choices=GroupCode.choices,
        label=_("Development group"),
        empty_label=ALL,
    )
    country = django_filters.ModelChoiceFilter(
        field_name="owner_state",
        queryset=MemberState.objects.all(),
        to_field_name="alpha2",
        label=_("Member State"),
        empty_label=ALL,
    )
    language = django_filters.ChoiceFilter(
        choices=Language.choices, label=_("Language"), method="filter_language", empty_label=ALL
    )
    status = django_filters.ChoiceFilter(choices=MeasureStatus.choices, label=_("Status"), empty_label=ALL)
    year = django_filters.NumberFilter(field_name="since_year", label=_("Since (year)"), min_value=1980, max_value=2100)

    class Meta:
        model = Measure
        fields = ["q", "pillar", "threat", "region", "group", "country", "language", "status", "year"]

    def filter_nothing(self, queryset: QuerySet[Measure], name: str, value: Any) -> QuerySet[Measure]:
        return queryset  # the text query is run by the search engine, see selectors.search_measures

    def filter_threat(self, queryset: QuerySet[Measure], name: str, value: Threat) -> QuerySet[Measure]:
        # A family finds the measures filed under it or under any threat of the family.
        matching = Measure.threats.through.objects.filter(Q(threat=value) | Q(threat__parent=value))
        return queryset.filter(pk__in=matching.values("measure_id"))

    def filter_language(self, queryset: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        # Readable in that language: written in it, or translated into it.
        translated = MeasureTranslation.objects.filter(language=value).values("measure_id")
        return queryset.filter(Q(language=value) | Q(pk__in=translated))


class TechnologyFilterSet(django_filters.FilterSet):
    threat = django_filters.ModelChoiceFilter(
        queryset=Threat.objects.all(), to_field_name="slug", label=_("Threat"), method="filter_threat"
    )

    class Meta:
        model = Technology
        fields = ["threat"]

    def filter_threat(self, queryset: QuerySet[Technology], name: str, value: Threat) -> QuerySet[Technology]:
        matching = Technology.threats.through.objects.filter(Q(threat=value) | Q(threat__parent=value))
        return queryset.filter(pk__in=matching.values("technology_id"))
