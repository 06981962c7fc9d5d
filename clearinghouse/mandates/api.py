"""``/api/v1/resolutions/``, ``/api/v1/revisions/`` and ``/api/v1/activities/``: read-only, from the selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets

from clearinghouse.mandates import selectors
from clearinghouse.mandates.filters import ActivityFilterSet
from clearinghouse.mandates.models import Activity, Clause, Resolution, Revision, RevisionText, Section


class ClauseSerializer(serializers.ModelSerializer):
    texts = serializers.SerializerMethodField(help_text="The clause in the other languages the revision has.")

    class Meta:
        model = Clause
        fields = ["id", "label", "text", "texts", "role"]

    def get_texts(self, clause: Clause) -> dict[str, str]:
        return {text.language: text.text for text in clause.texts.all()}


class SectionSerializer(serializers.ModelSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)
    headings = serializers.SerializerMethodField(help_text="The heading in the other languages the revision has.")

    class Meta:
        model = Section
        fields = ["position", "kind", "heading", "headings", "action", "addressee", "flagged", "note", "clauses"]

    def get_headings(self, section: Section) -> dict[str, str]:
        return {text.language: text.heading for text in section.texts.all()}


class RevisionTextSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevisionText
        fields = ["language", "source", "title", "enacting", "source_name", "imported_at"]


class RevisionSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:revision-detail")

    class Meta:
        model = Revision
        fields = ["id", "url", "sequence", "label", "source", "imported_at"]


class RevisionSerializer(serializers.ModelSerializer):
    resolution = serializers.IntegerField(source="resolution.number", read_only=True)
    sections = SectionSerializer(many=True, read_only=True)
    languages = RevisionTextSerializer(
        source="texts",
        many=True,
        read_only=True,
        help_text="The other languages the revision can be read in: `official` (a text a curator imported) or "
        "`summary` (the project's own words).",
    )

    class Meta:
        model = Revision
        fields = [
            "id",
            "resolution",
            "sequence",
            "label",
            "title",
            "enacting",
            "source",
            "source_name",
            "imported_at",
            "artefacts",
            "warnings",
            "languages",
            "sections",
        ]


class ResolutionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:resolution-detail")
    revisions = RevisionSummarySerializer(many=True, read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = Resolution
        fields = ["id", "url", "body", "number", "title", "revisions", "current"]

    def get_current(self, resolution: Resolution) -> dict[str, Any] | None:
        """The newest revision with its sections and clauses (detail only)."""
        if not self.context.get("with_current"):
            return None
        revision = resolution.current_revision()
        return RevisionSerializer(revision, context=self.context).data if revision else None


class ResolutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Resolutions imported as data: their revisions, and on the detail the newest revision's sections and clauses."""

    serializer_class = ResolutionSerializer
    filterset_fields = ["body", "number"]

    def get_queryset(self) -> QuerySet[Resolution]:
        return selectors.resolutions().prefetch_related(
            Prefetch("revisions", queryset=Revision.objects.order_by("-sequence"))
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_current": self.action == "retrieve"}


class RevisionViewSet(viewsets.ReadOnlyModelViewSet):
    """One revision of a resolution with its sections and clauses."""

    serializer_class = RevisionSerializer
    filterset_fields = ["resolution__number", "source"]

    def get_queryset(self) -> QuerySet[Revision]:
        return Revision.objects.select_related("resolution").prefetch_related(
            "texts",
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position").prefetch_related("texts", "clauses__texts"),
            ),
        )


class ActivitySerializer(serializers.ModelSerializer):
    clauses: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    states: serializers.SlugRelatedField = serializers.SlugRelatedField(many=True, read_only=True, slug_field="alpha2")
    organizations: serializers.SlugRelatedField = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "title",
            "language",
            "description",
            "status",
            "occurred_at",
            "starts_on",
            "ends_on",
            "clauses",
            "region",
            "states",
            "organizations",
            "participants",
            "outputs",
            "indicators",
            "tlp",
            "source_type",
            "source_id",
        ]


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """What was done under the resolutions' clauses, as far as the caller may see (TLP of the source)."""

    serializer_class = ActivitySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilterSet

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.activities(self.request.user)
