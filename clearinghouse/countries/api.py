"""Read-only API of the reference data: /api/v1/member-states/ and /api/v1/organizations/."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets

from clearinghouse.countries import selectors
from clearinghouse.countries.filters import MemberStateFilterSet, OrganizationFilterSet
from clearinghouse.countries.models import MemberState, Organization


class MemberStateSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField(help_text="Names from CLDR in ar, en, es, fr, ru and zh-hans.")
    groups = serializers.SerializerMethodField(help_text="Development groups: ldc, sids, lldc, eit.")
    url = serializers.HyperlinkedIdentityField(view_name="api:member-state-detail", lookup_field="alpha2")

    class Meta:
        model = MemberState
        fields = [
            "url",
            "alpha2",
            "alpha3",
            "numeric",
            "name",
            "names",
            "bdt_region",
            "itu_region",
            "groups",
            "authority_name",
            "authority_url",
            "cirt_name",
            "cirt_url",
            "strategy_url",
            "profile_updated_at",
        ]

    def get_names(self, obj: MemberState) -> dict[str, str]:
        return dict(obj.names)

    def get_groups(self, obj: MemberState) -> list[str]:
        return sorted(group.code for group in obj.groups.all())


class OrganizationSerializer(serializers.ModelSerializer):
    country: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="alpha2", read_only=True, allow_null=True
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:organization-detail", lookup_field="slug")
    official_names = serializers.SerializerMethodField(
        help_text="The official name in ar, en, es, fr, ru and zh-hans; null where the organization has none in "
        "that language (its own `name` is used there)."
    )

    class Meta:
        model = Organization
        fields = [
            "url",
            "slug",
            "name",
            "name_language",
            "official_names",
            "acronym",
            "acronyms",
            "kind",
            "country",
            "region",
            "website",
            "description",
            "descriptions",
            "is_illustrative",
        ]

    def get_official_names(self, obj: Organization) -> dict[str, str | None]:
        return {language: name or None for language, _local, name in obj.official_names}


class MemberStateViewSet(viewsets.ReadOnlyModelViewSet):
    """The 194 ITU Member States, filterable by BDT region, ITU region and development group."""

    serializer_class = MemberStateSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MemberStateFilterSet
    lookup_field = "alpha2"
    lookup_value_regex = "[A-Za-z]{2}"

    def get_queryset(self):
        return selectors.member_states()

    def get_object(self) -> MemberState:
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations taking part, filterable by kind, region served and headquarters."""

    serializer_class = OrganizationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrganizationFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.organizations()
