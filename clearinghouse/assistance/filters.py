"""The filters of the request and offer lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clearinghouse.assistance import search
from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, HelpKind, Stage
from clearinghouse.catalog.models import Threat
from clearinghouse.core.widgets import QuickSelect
from clearinghouse.countries.filters import ALL
from clearinghouse.countries.models import BDTRegion, GroupCode, MemberState, Organization

#: A stage filter's value for the requests still looking for help (open or matched): the home page's default.
SEEKING = "seeking"
#: A group filter's value for the requests from a state on any of the four groups the resolution names.
ANY_PRIORITY_GROUP = "priority"
ANY_PRIORITY_GROUP_LABEL = _("Any of the four (the resolution's priority)")


def _search_field() -> django_filters.CharFilter:
    # the words to find, in any of the six languages (assistance.search); the box's direction follows the text
    return django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )


def _kind_field() -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        choices=HelpKind.choices, label=_("Kind of help"), empty_label=ALL, method="filter_kind", widget=QuickSelect
    )


def _threat_field() -> django_filters.ModelChoiceFilter:
    # a family finds the records filed under it or under any threat of the family
    return django_filters.ModelChoiceFilter(
        queryset=Threat.objects.order_by("position"),
        to_field_name="slug",
        label=_("Threat"),
        method="filter_threat",
        empty_label=ALL,
        widget=QuickSelect,
    )


def _state_field(label: Any) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name="owner_state",
        queryset=MemberState.objects.all(),
        to_field_name="alpha2",
        label=label,
        empty_label=ALL,
        widget=QuickSelect,
    )


class _Shared:
    """The search, the kind of help and the threat, filtered alike in requests and offers."""

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search.matching(queryset, value)

    def filter_kind(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # the kinds are kept as a JSON list: its text holds "training" (quotes included) exactly when the list does
        return queryset.filter(kinds__icontains=f'"{value}"')

    def filter_threat(self, queryset: QuerySet[Any], name: str, value: Threat) -> QuerySet[Any]:
        through: Any = queryset.model.threats.through
        column = f"{queryset.model._meta.model_name}_id"
        matching = through.objects.filter(Q(threat=value) | Q(threat__parent=value)).values(column)
        return queryset.filter(pk__in=matching)


class AssistanceRequestFilterSet(_Shared, django_filters.FilterSet):
    q = _search_field()
    stage = django_filters.ChoiceFilter(
        choices=[(SEEKING, _("Looking for help (open or matched)")), *Stage.choices],
        label=_("Stage"),
        empty_label=_("Every stage"),
        method="filter_stage",
        widget=QuickSelect,
    )
    region = django_filters.ChoiceFilter(
        field_name="owner_state__bdt_region",
        choices=BDTRegion.choices,
        label=_("BDT region"),
        empty_label=ALL,
        widget=QuickSelect,
    )
    group = django_filters.ChoiceFilter(
        choices=[*GroupCode.choices, (ANY_PRIORITY_GROUP, ANY_PRIORITY_GROUP_LABEL)],
        label=_("Development group (when opened)"),
        empty_label=ALL,
        method="filter_group",
        widget=QuickSelect,
    )
    threat = _threat_field()
    kind = _kind_field()
    owner = _state_field(_("Requesting Member State (alpha-2)"))

    class Meta:
        model = AssistanceRequest
        fields = ["q", "stage", "region", "group", "threat", "kind", "owner"]

    def filter_stage(self, queryset: QuerySet[AssistanceRequest], name: str, value: str) -> QuerySet[Any]:
        from clearinghouse.assistance.selectors import SEEKING_HELP

        if value == SEEKING:  # a request hidden by a curator is not looking for help, whatever its step
            return queryset.filter(stage__in=SEEKING_HELP, hidden_at__isnull=True)
        return queryset.filter(stage=value)

    def filter_group(self, queryset: QuerySet[AssistanceRequest], name: str, value: str) -> QuerySet[Any]:
        # the groups the state was on the day the request was opened (a draft: today), as the counts read them
        from clearinghouse.assistance.selectors import PRIORITY_GROUPS, on_opening_day

        return queryset.filter(on_opening_day(PRIORITY_GROUPS if value == ANY_PRIORITY_GROUP else (value,)))


class AssistanceOfferFilterSet(_Shared, django_filters.FilterSet):
    q = _search_field()
    kind = _kind_field()
    threat = _threat_field()
    region = django_filters.ChoiceFilter(
        choices=BDTRegion.choices,
        label=_("Region served"),
        empty_label=ALL,
        method="filter_region",
        widget=QuickSelect,
    )
    state = _state_field(_("Offering Member State (alpha-2)"))
    organization = django_filters.ModelChoiceFilter(
        field_name="owner_organization",
        queryset=Organization.objects.all(),
        to_field_name="slug",
        label=_("Offering organization"),
        empty_label=ALL,
        widget=QuickSelect,
    )

    class Meta:
        model = AssistanceOffer
        fields = ["q", "kind", "threat", "region", "state", "organization"]

    def filter_region(self, queryset: QuerySet[AssistanceOffer], name: str, value: str) -> QuerySet[Any]:
        # an offer naming no region serves every region
        return queryset.filter(Q(regions=[]) | Q(regions__icontains=f'"{value}"'))
