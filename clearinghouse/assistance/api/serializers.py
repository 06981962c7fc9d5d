"""The API's serializers of requests and offers: what a record looks like, and what a write may give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clearinghouse.assistance import selectors, services, translations
from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    CostModel,
    Engagement,
    HelpKind,
    Modality,
    StageChange,
)
from clearinghouse.catalog.models import Measure, Pillar, Threat, TranslationQuality
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.api import SlugRelatedField
from clearinghouse.countries.models import BDTRegion, MemberState, Organization, active_language

SIX = ["ar", "en", "es", "fr", "ru", "zh-hans"]
REQUEST_MARKINGS = [str(marking) for marking in services.REQUEST_MARKINGS]


def _sharing_fields() -> dict[str, Any]:
    return {
        "shared_with_states": SlugRelatedField(
            slug_field="alpha2",
            many=True,
            queryset=MemberState.objects.all(),
            required=False,
            write_only=True,
            help_text="TLP:AMBER: the Member States (ISO alpha-2) whose members may see it.",
        ),
        "shared_with_organizations": SlugRelatedField(
            slug_field="slug",
            many=True,
            queryset=Organization.objects.all(),
            required=False,
            write_only=True,
            help_text="TLP:AMBER: the organizations whose members may see it.",
        ),
    }


class StageChangeSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "actor", "comment", "created_at"]


class EngagementSerializer(serializers.ModelSerializer):
    offer = serializers.SerializerMethodField(help_text="The offer's id, or null when it is not shared with you.")

    class Meta:
        model = Engagement
        fields = ["offer", "status", "proposed_at", "decided_at", "delivered", "delivered_at"]

    def get_offer(self, engagement: Engagement) -> int | None:
        visible: set[int] = self.context.get("visible_offers", set())
        return engagement.offer_id if engagement.offer_id in visible else None

    def to_representation(self, instance: Engagement) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["offer"] is None:
            data["delivered"] = ""  # what an offer one may not see delivered is its own
        return data


class TranslationStatusSerializer(serializers.Serializer):
    """One translation of a record's texts: its language, how it was made, and whether it is outdated."""

    language = serializers.CharField()
    quality = serializers.CharField(
        help_text="How it was made: " + ", ".join(TranslationQuality.values) + " (docs/languages.md)."
    )
    outdated = serializers.BooleanField(
        source="is_outdated", help_text="The original changed after this translation was made."
    )
    outdated_since = serializers.DateTimeField(allow_null=True)
    translated_at = serializers.DateTimeField()


class TranslatedTextsMixin(serializers.Serializer):
    """``translations``: the status of each translation; ``in_language``: the texts in the language asked for
    (``?language=``, else ``Accept-Language``) where a translation gives them, else the original's, each field
    with its language."""

    translations = serializers.SerializerMethodField(help_text="The translations of the texts, with their status.")
    in_language = serializers.SerializerMethodField(
        help_text="The texts in the language asked for (?language= or Accept-Language) when a translation gives "
        "them, else the original's: `language` asked, `translation` (its language, quality and whether it is "
        "outdated, or null: the original), `texts`, and the language of each text."
    )

    @extend_schema_field(TranslationStatusSerializer(many=True))
    def get_translations(self, obj: Any) -> list[dict[str, Any]]:
        found = sorted(obj.translations.all(), key=lambda t: t.language)
        return TranslationStatusSerializer(found, many=True).data  # type: ignore[return-value]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_in_language(self, obj: Any) -> dict[str, Any]:
        language = self.context.get("language") or active_language()
        shown = translations.shown(obj, language)
        return {
            "language": language,
            "translation": TranslationStatusSerializer(shown.translation).data if shown.translation else None,
            "texts": shown.texts,
            "languages": shown.languages,
        }


class AssistanceRequestSerializer(TranslatedTextsMixin, serializers.ModelSerializer):
    """A request as readers see it, and what a member of the requesting state sends to draft or change it."""

    url = serializers.HyperlinkedIdentityField(view_name="api:assistance-request-detail")
    member_state = SlugRelatedField(
        source="owner_state",
        slug_field="alpha2",
        queryset=MemberState.objects.all(),
        required=False,
        help_text="The requesting state (ISO alpha-2): yours, given or not; never changed.",
    )
    threats = SlugRelatedField(slug_field="slug", many=True, queryset=Threat.objects.all(), required=False)
    pillars = SlugRelatedField(slug_field="slug", many=True, queryset=Pillar.objects.all(), required=False)
    measures = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Measure.objects.none(),
        required=False,
        help_text="Ids of the catalogue's measures the state wants to adopt (among those you may see).",
    )
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=HelpKind.choices), required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=SIX), required=False)
    modality = serializers.ChoiceField(choices=Modality.choices, required=False)
    tlp = serializers.ChoiceField(choices=REQUEST_MARKINGS, required=False)
    adopted_measures = serializers.SerializerMethodField(help_text="At closing: the state's own measures adopted.")
    history = serializers.SerializerMethodField(help_text="The steps taken, dated, with their comments.")
    engagements = serializers.SerializerMethodField(help_text="The offers put forward, and their status.")

    class Meta:
        model = AssistanceRequest
        fields = [
            "url",
            "id",
            "member_state",
            *(name for name in services.REQUEST_WRITABLE if name not in services.SHARING),
            "stage",
            "opened_at",
            "stage_changed_at",
            "hidden_at",
            "hidden_reason",
            "outcome",
            "adopted_measures",
            "feedback",
            "is_illustrative",
            "created_at",
            "updated_at",
            "history",
            "engagements",
            "translations",
            "in_language",
            "shared_with_states",
            "shared_with_organizations",
        ]
        read_only_fields = [
            "stage",
            "opened_at",
            "stage_changed_at",
            "hidden_at",
            "hidden_reason",
            "outcome",
            "feedback",
            "is_illustrative",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"language": {"required": False, "help_text": "Default: the language of the request."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_sharing_fields())
        request = self.context.get("request")
        if request is not None:
            measures: Any = self.fields["measures"]
            measures.child_relation.queryset = measures_visible_to(request.user)

    def get_adopted_measures(self, obj: AssistanceRequest) -> list[int]:
        return [m.pk for m in obj.adopted_measures.all()]  # prefetched among those the reader may see

    def get_history(self, obj: AssistanceRequest) -> list[dict[str, Any]]:
        if not self.context.get("detail"):
            return []
        return StageChangeSerializer(obj.stage_changes.all(), many=True).data  # type: ignore[return-value]

    def get_engagements(self, obj: AssistanceRequest) -> list[dict[str, Any]]:
        if not self.context.get("detail"):
            return []
        request = self.context["request"]
        engaged = selectors.offers_visible_to(request.user).filter(engagements__request=obj)
        context = {**self.context, "visible_offers": set(engaged.values_list("pk", flat=True))}
        return EngagementSerializer(obj.engagements.all(), many=True, context=context).data  # type: ignore[return-value]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "language" not in attrs:
            attrs["language"] = active_language()  # as the form: the interface's language unless said
        if self.instance is not None and "owner_state" in attrs and attrs["owner_state"] != self.instance.owner_state:
            raise serializers.ValidationError({"member_state": ["A request's state never changes."]})
        return attrs


class AssistanceOfferSerializer(TranslatedTextsMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:assistance-offer-detail")
    member_state = SlugRelatedField(
        source="owner_state",
        slug_field="alpha2",
        queryset=MemberState.objects.all(),
        required=False,
        allow_null=True,
        help_text="The offering state (ISO alpha-2); give it or `organization`, when the offer is made.",
    )
    organization = SlugRelatedField(
        source="owner_organization",
        slug_field="slug",
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="The offering organization (slug; `itu` for the Secretariat's, by curators).",
    )
    threats = SlugRelatedField(slug_field="slug", many=True, queryset=Threat.objects.all(), required=False)
    pillars = SlugRelatedField(slug_field="slug", many=True, queryset=Pillar.objects.all(), required=False)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=HelpKind.choices), required=False)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=SIX), required=False)
    regions = serializers.ListField(child=serializers.ChoiceField(choices=BDTRegion.choices), required=False)
    modalities = serializers.ListField(child=serializers.ChoiceField(choices=Modality.choices), required=False)
    cost_model = serializers.ChoiceField(choices=CostModel.choices, required=False)
    tlp = serializers.ChoiceField(choices=REQUEST_MARKINGS, required=False)

    class Meta:
        model = AssistanceOffer
        fields = [
            "url",
            "id",
            "member_state",
            "organization",
            *(name for name in services.OFFER_WRITABLE if name not in services.SHARING),
            "lifecycle",
            "is_illustrative",
            "created_at",
            "updated_at",
            "translations",
            "in_language",
            "shared_with_states",
            "shared_with_organizations",
        ]
        read_only_fields = ["lifecycle", "is_illustrative", "created_at", "updated_at"]
        extra_kwargs = {"language": {"required": False, "help_text": "Default: the language of the request."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_sharing_fields())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        owners = {key: attrs.pop(key) for key in ("owner_state", "owner_organization") if key in attrs}
        if self.instance is None:
            given = {key: value for key, value in owners.items() if value is not None}
            if len(given) != 1:
                raise serializers.ValidationError("Name the offerer: either member_state or organization, not both.")
            attrs["owner"] = given
            attrs.setdefault("language", active_language())
        elif any(getattr(self.instance, key) != value for key, value in owners.items()):
            raise serializers.ValidationError("An offer's offerer never changes.")
        return attrs
