"""One FilterSet per list, shared by the HTML pages and the API."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clearinghouse.countries.models import (
    NAME_COLUMNS,
    BDTRegion,
    Contact,
    ContactFunction,
    GroupCode,
    ITURegion,
    MemberState,
    Organization,
    OrganizationKind,
)

#: The empty choice of every filter: no restriction.
ALL = _("All")


class MemberStateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    region = django_filters.ChoiceFilter(
        empty_label=ALL, field_name="bdt_region", choices=BDTRegion.choices, label=_("BDT region")
    )
    itu_region = django_filters.ChoiceFilter(empty_label=ALL, choices=ITURegion.choices, label=_("ITU region"))
    group = django_filters.ChoiceFilter(
        empty_label=ALL, field_name="groups__code", choices=GroupCode.choices, label=_("Group")
    )

    class Meta:
        model = MemberState
        fields = ["q", "region", "itu_region", "group"]

    def filter_q(self, queryset: QuerySet[MemberState], name: str, value: str) -> QuerySet[MemberState]:
        value = value.strip()
        condition = Q(alpha2__iexact=value) | Q(alpha3__iexact=value)
        for suffix in set(NAME_COLUMNS.values()):
            condition |= Q(**{f"name_{suffix}__icontains": value})
        return queryset.filter(condition)


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or acronym"), method="filter_q")
    kind = django_filters.ChoiceFilter(empty_label=ALL, choices=OrganizationKind.choices, label=_("Kind"))
    region = django_filters.ChoiceFilter(empty_label=ALL, choices=BDTRegion.choices, label=_("Region served"))
    country = django_filters.CharFilter(
        field_name="country__alpha2", label=_("Headquarters (alpha-2)"), method="filter_country"
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "region", "country"]

    def filter_q(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        value = value.strip()
        condition = Q(name__icontains=value) | Q(acronym__icontains=value)
        for suffix in NAME_COLUMNS.values():
            condition |= Q(**{f"name_{suffix}__icontains": value})
        return queryset.filter(condition)

    def filter_country(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        return queryset.filter(country__alpha2=value.upper())


class ContactFilterSet(django_filters.FilterSet):
    """The points-of-contact directory (over the contacts the reader may see)."""

    q = django_filters.CharFilter(label=_("Name, position or e-mail"), method="filter_q")
    function = django_filters.ChoiceFilter(empty_label=ALL, choices=ContactFunction.choices, label=_("Function"))
    region = django_filters.ChoiceFilter(
        empty_label=ALL, field_name="owner_state__bdt_region", choices=BDTRegion.choices, label=_("BDT region")
    )
    state = django_filters.CharFilter(label=_("Member State (alpha-2)"), method="filter_state")
    language = django_filters.ChoiceFilter(
        empty_label=ALL, choices=settings.LANGUAGES, label=_("Works in"), method="filter_language"
    )

    class Meta:
        model = Contact
        fields = ["q", "function", "region", "state", "language"]

    def filter_q(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(position__icontains=value) | Q(email__icontains=value))

    def filter_state(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return queryset.filter(owner_state__alpha2=value.strip().upper())

    def filter_language(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        # the codes are kept as a JSON list: its text holds "fr" (quotes included) exactly when the list does
        return queryset.filter(languages__icontains=f'"{value}"')
