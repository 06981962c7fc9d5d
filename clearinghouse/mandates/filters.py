"""The activity list's filters, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clearinghouse.countries.models import BDTRegion
from clearinghouse.mandates.models import Activity, ActivityKind, Clause

ALL = _("All")


class ActivityFilterSet(django_filters.FilterSet):
    clause = django_filters.ModelChoiceFilter(queryset=Clause.objects.all(), field_name="clauses", label=_("Clause"))
    resolution = django_filters.NumberFilter(
        field_name="clauses__section__revision__resolution__number", label=_("Resolution number"), distinct=True
    )
    kind = django_filters.ChoiceFilter(empty_label=ALL, choices=ActivityKind.choices, label=_("Kind"))
    region = django_filters.ChoiceFilter(empty_label=ALL, choices=BDTRegion.choices, label=_("BDT region"))
    start = django_filters.DateFilter(method="filter_start", label=_("From"))
    end = django_filters.DateFilter(method="filter_end", label=_("To"))

    class Meta:
        model = Activity
        fields = ["clause", "resolution", "kind", "region", "start", "end"]

    def filter_start(self, queryset: QuerySet[Activity], name: str, value: object) -> QuerySet[Activity]:
        """Activities still running on or after the day (those without dates: by when they were recorded)."""
        return queryset.filter(Q(ends_on__gte=value) | Q(ends_on__isnull=True, occurred_at__date__gte=value))

    def filter_end(self, queryset: QuerySet[Activity], name: str, value: object) -> QuerySet[Activity]:
        return queryset.filter(Q(starts_on__lte=value) | Q(starts_on__isnull=True, occurred_at__date__lte=value))
