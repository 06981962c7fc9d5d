"""The reference data, read-only: /api/v1/member-states/ and /api/v1/organizations/; and the points-of-contact
directory, /api/v1/contacts/."""

from __future__ import annotations

from typing import Any, cast

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from clearinghouse.core.api import as_api_errors
from clearinghouse.core.visibility import TLP
from clearinghouse.countries import selectors, services
from clearinghouse.countries.filters import ContactFilterSet, MemberStateFilterSet, OrganizationFilterSet
from clearinghouse.countries.models import (
    CONTACT_MARKINGS,
    Contact,
    GroupMembership,
    MemberState,
    Organization,
    ReachabilityCheck,
    ReachabilityRound,
)


class GroupPeriodSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.code", read_only=True)
    since = serializers.DateField(read_only=True, allow_null=True, help_text="Null: before the first recorded date.")
    until = serializers.DateField(
        read_only=True, allow_null=True, help_text="The first day it was no longer a member; null: still one."
    )

    class Meta:
        model = GroupMembership
        fields = ["group", "since", "until"]


class MemberStateSerializer(serializers.ModelSerializer):
    names = serializers.SerializerMethodField(help_text="Names from CLDR in ar, en, es, fr, ru and zh-hans.")
    groups = serializers.SerializerMethodField(help_text="Development groups: ldc, sids, lldc, eit.")
    group_periods = GroupPeriodSerializer(
        many=True, read_only=True, help_text="Dated memberships of the development groups, current and former."
    )
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
            "group_periods",
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
        return selectors.member_states_with_group_periods()

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


# -- points of contact: /api/v1/contacts/ -------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    """A point of contact. Exactly one of ``member_state`` (alpha-2) and ``organization`` (slug) names its owner,
    given when it is added and never changed."""

    url = serializers.HyperlinkedIdentityField(view_name="api:contact-detail")
    member_state = serializers.SlugRelatedField(
        source="owner_state", slug_field="alpha2", queryset=MemberState.objects.all(), required=False, allow_null=True
    )
    organization = serializers.SlugRelatedField(
        source="owner_organization",
        slug_field="slug",
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
    )
    tlp = serializers.ChoiceField(choices=list(CONTACT_MARKINGS), default=TLP.GREEN)
    languages = serializers.ListField(child=serializers.CharField(max_length=20), required=False)

    class Meta:
        model = Contact
        fields = [
            "url",
            "id",
            "member_state",
            "organization",
            "function",
            "name",
            "position",
            "email",
            "phone",
            "languages",
            "time_zone",
            "tlp",
            "created_at",
            "updated_at",
            "last_confirmed_at",
        ]
        read_only_fields = ["created_at", "updated_at", "last_confirmed_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            owners = [attrs.get("owner_state"), attrs.get("owner_organization")]
            if sum(owner is not None for owner in owners) != 1:
                raise serializers.ValidationError("Name the owner: either member_state or organization, not both.")
        elif "owner_state" in attrs or "owner_organization" in attrs:
            if (attrs.get("owner_state"), attrs.get("owner_organization")) != (
                self.instance.owner_state,
                self.instance.owner_organization,
            ):
                raise serializers.ValidationError("A contact's owner cannot change: remove it and add it again.")
        return attrs


class ContactViewSet(viewsets.ModelViewSet):
    """The points-of-contact directory: the contacts the caller may see (signed-in members only; some are for
    the owner's members and the curators alone, TLP:AMBER+STRICT). The owner's members and the curators add,
    change and remove them."""

    serializer_class = ContactSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilterSet
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.contacts_visible_to(self.request.user).order_by("pk")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        owner = data.pop("owner_state", None) or data.pop("owner_organization", None)
        data.pop("owner_organization", None)
        with as_api_errors():
            serializer.instance = services.add_contact(owner, actor=self.request.user, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = {
            key: value
            for key, value in serializer.validated_data.items()
            if key not in ("owner_state", "owner_organization")
        }
        contact = cast(Contact, serializer.instance)  # (the one being updated: DRF sets it)
        with as_api_errors():
            serializer.instance = services.update_contact(contact, actor=self.request.user, **data)

    def perform_destroy(self, instance: Contact) -> None:
        with as_api_errors():
            services.remove_contact(instance, actor=self.request.user)


# -- reachability rounds: /api/v1/reachability-rounds/ (curators) ---------------------------------------------


class RoundsAreTheCurators(permissions.BasePermission):
    message = "Reachability rounds are the Secretariat curators'."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(getattr(request.user, "is_curator", False))


class RoundRowSerializer(serializers.Serializer):
    region = serializers.CharField(source="label")
    asked = serializers.IntegerField()
    sent = serializers.IntegerField()
    answered = serializers.IntegerField()
    share = serializers.FloatField()
    median_hours = serializers.FloatField(allow_null=True)


class RoundCheckSerializer(serializers.ModelSerializer):
    member_state: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="owner_state", slug_field="alpha2", read_only=True
    )
    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="owner_organization", slug_field="slug", read_only=True
    )
    contact: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Null once the contact was removed."
    )
    name = serializers.CharField(source="contact_name")
    hours_to_answer = serializers.FloatField(allow_null=True)

    class Meta:
        model = ReachabilityCheck
        fields = [
            "contact",
            "name",
            "function",
            "member_state",
            "organization",
            "sent_at",
            "send_error",
            "confirmed_at",
            "hours_to_answer",
        ]


class RoundSerializer(serializers.ModelSerializer):
    started_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    states: Any = serializers.SlugRelatedField(slug_field="alpha2", many=True, read_only=True)
    summary = serializers.SerializerMethodField(help_text="Who answered and how fast, by BDT region.")
    checks = serializers.SerializerMethodField()

    class Meta:
        model = ReachabilityRound
        fields = ["id", "started_at", "started_by", "states", "include_organizations", "message", "summary", "checks"]

    @extend_schema_field(RoundRowSerializer(many=True))
    def get_summary(self, obj: ReachabilityRound) -> Any:
        return RoundRowSerializer(selectors.round_summary(obj), many=True).data

    @extend_schema_field(RoundCheckSerializer(many=True))
    def get_checks(self, obj: ReachabilityRound) -> Any:
        return RoundCheckSerializer(selectors.round_checks(obj), many=True).data


class ReachabilityRoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Reachability rounds: whom each asked, who answered and how fast, by region (curators only)."""

    serializer_class = RoundSerializer
    permission_classes = [permissions.IsAuthenticated, RoundsAreTheCurators]

    def get_queryset(self):
        return selectors.rounds().prefetch_related("states")
