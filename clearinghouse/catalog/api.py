"""/api/v1/measures/, /api/v1/technologies/ and /api/v1/threats/: the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from clearinghouse.catalog import exports, selectors, services, translation_files
from clearinghouse.catalog.filters import MeasureFilterSet, TechnologyFilterSet
from clearinghouse.catalog.forms import MAX_NAMED_PEOPLE, named_people
from clearinghouse.catalog.models import (
    Language,
    Measure,
    MeasureReference,
    Pillar,
    Technology,
    Threat,
    TranslationBase,
    TranslationQuality,
)
from clearinghouse.core.api import QueryFormatNegotiation, SlugRelatedField, as_api_errors
from clearinghouse.countries.models import MemberState, Organization, active_language


class ThreatSerializer(serializers.ModelSerializer):
    family: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="parent",
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The family this threat belongs to (none for a family itself).",
    )

    name = serializers.CharField(read_only=True, help_text="The name in the language of the request.")
    names = serializers.SerializerMethodField(help_text="The name in each of the six languages (null: none yet).")
    synonyms = serializers.SerializerMethodField(help_text="Other words for the threat, by language.")

    class Meta:
        model = Threat
        fields = ["slug", "name", "names", "synonyms", "family", "references"]

    def get_names(self, threat: Threat) -> dict[str, str | None]:
        return {language: name or None for language, name in threat.names}

    def get_synonyms(self, threat: Threat) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for synonym in threat.synonyms.all():
            found.setdefault(synonym.language, []).append(synonym.text)
        return found


class ReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureReference
        fields = ["kind", "title", "url"]


class TechnologySerializer(serializers.ModelSerializer):
    threats: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    owner_state: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="alpha2", read_only=True, allow_null=True
    )
    owner_organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Technology
        fields = [
            "slug",
            "name",
            "description",
            "language",
            "threats",
            "references",
            "owner_state",
            "owner_organization",
            "tlp",
            "is_illustrative",
        ]


class MeasureSerializer(serializers.ModelSerializer):
    """A measure as readers see it, and what a member sends to create or edit a draft."""

    pillar = SlugRelatedField(slug_field="slug", queryset=Pillar.objects.all())
    threats = SlugRelatedField(slug_field="slug", many=True, queryset=Threat.objects.all(), required=False)
    technologies = SlugRelatedField(slug_field="slug", many=True, queryset=Technology.objects.none(), required=False)
    references = ReferenceSerializer(many=True, required=False)
    owner_state: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="alpha2", read_only=True, allow_null=True
    )
    owner_organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    snippet = serializers.SerializerMethodField(help_text="The passage that matched the query, with <mark> tags.")
    url = serializers.HyperlinkedIdentityField(view_name="api:measure-detail")
    shared_with_states = SlugRelatedField(
        slug_field="alpha2",
        many=True,
        queryset=MemberState.objects.all(),
        required=False,
        write_only=True,
        help_text="TLP:AMBER: the Member States (ISO alpha-2) whose members may see it once published.",
    )
    shared_with_organizations = SlugRelatedField(
        slug_field="slug",
        many=True,
        queryset=Organization.objects.all(),
        required=False,
        write_only=True,
        help_text="TLP:AMBER: the organizations whose members may see it once published.",
    )
    named_people = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        write_only=True,
        max_length=MAX_NAMED_PEOPLE,
        help_text="TLP:RED: e-mail addresses or user names of the people it names (the author always is); name a "
        "curator to have it reviewed.",
    )

    class Meta:
        model = Measure
        fields = [
            "url",
            "id",
            "title",
            "summary",
            "description",
            "language",
            "pillar",
            "threats",
            "technologies",
            "status",
            "since_year",
            "evidence",
            "evidence_source",
            "cost_range",
            "prerequisites",
            "references",
            "tlp",
            "lifecycle",
            "owner_state",
            "owner_organization",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
            "is_illustrative",
            "snippet",
            "shared_with_states",
            "shared_with_organizations",
            "named_people",
        ]
        read_only_fields = [
            "lifecycle",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
            "is_illustrative",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            technologies: Any = self.fields["technologies"]
            technologies.child_relation.queryset = selectors.technologies_visible_to(request.user)

    def get_snippet(self, obj: Measure) -> str:
        return getattr(obj, "snippet", "")

    def validate_named_people(self, value: list[str]) -> list[Any]:
        try:
            return named_people(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "language" not in attrs:
            # as the form: a new measure is written in the language of the request (Accept-Language) unless said
            attrs["language"] = active_language()
        return attrs


class MeasureUpdateSerializer(MeasureSerializer):
    version = serializers.IntegerField(help_text="The version you edited: a stale one is refused with 409.")

    class Meta(MeasureSerializer.Meta):
        read_only_fields = [f for f in MeasureSerializer.Meta.read_only_fields if f != "version"]


class TranslationSerializer(serializers.Serializer):
    """A record's translation into one language: its texts, how it was made and whether it is outdated."""

    language = serializers.ChoiceField(choices=Language.choices)
    provenance = serializers.ChoiceField(
        source="quality",
        choices=TranslationQuality.choices,
        help_text="How it was made: by the author, a professional translator, machine, reviewed by a person, or an "
        "illustrative translation of the demo data.",
    )
    provenance_label = serializers.CharField(source="get_quality_display", help_text="The same, in words.")
    translator = serializers.CharField(help_text="The professional translator's name, when there is one.")
    translated_at = serializers.DateTimeField()
    outdated = serializers.BooleanField(
        source="is_outdated", help_text="The original changed after this translation was made."
    )
    outdated_since = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    texts = serializers.SerializerMethodField(help_text="The translated fields and their texts.")

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_texts(self, obj: TranslationBase) -> dict[str, str]:
        return {name: getattr(obj, name) for name in obj.TRANSLATED_FIELDS}


@extend_schema_serializer(many=False)  # the page itself, not a list to be paginated again
class MeasurePageSerializer(serializers.Serializer):
    """A page of a catalogue search: DRF's page fields plus the facet counts of the whole match."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MeasureSerializer(many=True)
    facets = serializers.DictField(help_text="For each filter, its values with their counts.")


def _service_fields(validated: Any) -> dict[str, Any]:
    """What the drafting services take: the people named are the record's ``shared_with_users``."""
    data = dict(validated)
    if "named_people" in data:
        data["shared_with_users"] = data.pop("named_people")
    return data


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _service_call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service; turn its domain errors into API errors (an edit conflict: 409 with the current version)."""
    with as_api_errors():
        try:
            return function(*args, **kwargs)
        except services.EditConflict as conflict:
            raise Conflict({"detail": conflict.messages[0], "version": str(conflict.current_version)}) from None


FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words to search for, in any of the six languages."),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=["relevance", "newest"]),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
]


class MeasureViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Measures against the illicit use of ICTs. Reads are public for TLP:CLEAR; writing needs a member."""

    serializer_class = MeasureSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MeasureFilterSet
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        return selectors.measures_visible_to(self.request.user).prefetch_related(
            "threats", "technologies", "references"
        )

    def get_object(self) -> Measure:
        try:
            return selectors.measure_detail(self.request.user, int(self.kwargs["pk"]))
        except (Measure.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=MeasurePageSerializer,
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filterset = MeasureFilterSet(request.query_params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        try:
            page = int(request.query_params.get("page", "1"))
            page_size = min(100, int(request.query_params.get("page_size", selectors.PAGE_SIZE)))
        except ValueError:
            raise exceptions.ValidationError({"page": ["A page and a page size are whole numbers."]}) from None
        if page < 1 or page_size < 1:
            raise exceptions.ValidationError({"page": ["Pages and page sizes start at 1."]})
        text = filterset.form.cleaned_data.get("q") or ""
        sort = request.query_params.get("sort") or ("relevance" if text else "newest")
        if sort not in ("relevance", "newest"):
            raise exceptions.ValidationError({"sort": ["Use relevance or newest."]})
        result = selectors.search_measures(
            request.user,
            query=text,
            sort=sort,
            page=page,
            page_size=page_size,
            selected=filterset.form.cleaned_data,
        )
        url = request.build_absolute_uri()
        return Response(
            {
                "count": result.total,
                "next": replace_query_param(url, "page", page + 1) if result.has_next else None,
                "previous": (
                    replace_query_param(url, "page", page - 1) if page > 2 else remove_query_param(url, "page")
                )
                if result.has_previous
                else None,
                "results": MeasureSerializer(result.page, many=True, context=self.get_serializer_context()).data,
                "facets": {
                    name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                    for name, values in result.facets.items()
                },
            }
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MeasureSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = _service_fields(serializer.validated_data)
        references = [dict(r) for r in data.pop("references", [])]
        measure = _service_call(services.create_measure, actor=request.user, references=references, **data)
        return Response(
            MeasureSerializer(self._reload(measure), context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=MeasureUpdateSerializer, responses=MeasureSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measure = self.get_object()
        serializer = MeasureUpdateSerializer(
            measure, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = _service_fields(serializer.validated_data)
        if "version" not in data:
            raise exceptions.ValidationError({"version": ["Send the version you edited."]})
        version = data.pop("version")
        references = [dict(r) for r in data.pop("references")] if "references" in data else None
        measure = _service_call(
            services.update_measure,
            measure,
            actor=request.user,
            expected_version=version,
            references=references,
            **data,
        )
        return Response(MeasureSerializer(self._reload(measure), context=self.get_serializer_context()).data)

    def _reload(self, measure: Measure) -> Measure:
        return selectors.measure_detail(self.request.user, measure.pk)

    def _transition(self, function: Any, **kwargs: Any) -> Response:
        measure = _service_call(function, self.get_object(), actor=self.request.user, **kwargs)
        return Response(MeasureSerializer(self._reload(measure), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=MeasureSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(services.submit_measure)

    @extend_schema(request=None, responses=MeasureSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(services.start_review)

    @extend_schema(request=None, responses=MeasureSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(services.publish_measure)

    @extend_schema(
        request=inline_serializer("SendBack", {"comment": serializers.CharField()}), responses=MeasureSerializer
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(
            services.send_back_measure,
            comment=str(request.data.get("comment", "")) if isinstance(request.data, dict) else "",
        )

    @extend_schema(
        request=inline_serializer("Withdraw", {"comment": serializers.CharField(required=False)}),
        responses=MeasureSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(
            services.withdraw_measure,
            comment=str(request.data.get("comment", "")) if isinstance(request.data, dict) else "",
        )

    @extend_schema(responses=TranslationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def translations(self, request: Request, pk: str | None = None) -> Response:
        """The measure's translations, with their provenance and whether they are outdated."""
        translations = sorted(self.get_object().translations.all(), key=lambda t: t.language)
        return Response(TranslationSerializer(translations, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=[*exports.EXPORT_FORMATS]),
            OpenApiParameter("q", OpenApiTypes.STR),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/json"): OpenApiTypes.OBJECT},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=QueryFormatNegotiation,
    )
    def export(self, request: Request) -> Any:
        """Every published measure matching the search that you may see, as CSV or JSON (TLP:RED never)."""
        fmt = request.query_params.get("format") or self.format_kwarg or "json"
        if fmt not in exports.EXPORT_FORMATS:
            message = _("Unknown format “%(format)s”: use one of %(formats)s.")
            raise exceptions.ValidationError(
                {"format": [message % {"format": fmt, "formats": ", ".join(exports.EXPORT_FORMATS)}]}
            )
        filterset = MeasureFilterSet(request.query_params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return exports.export_response(filterset.qs, filterset.form.cleaned_data.get("q") or "", fmt)


class TechnologyViewSet(viewsets.ReadOnlyModelViewSet):
    """Technologies used against the illicit use of ICTs."""

    serializer_class = TechnologySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TechnologyFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.technologies_visible_to(self.request.user).prefetch_related("threats").order_by("name")

    @extend_schema(responses=TranslationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def translations(self, request: Request, slug: str | None = None) -> Response:
        """The technology's translations, with their provenance and whether they are outdated."""
        translations = self.get_object().translations.order_by("language")
        return Response(TranslationSerializer(translations, many=True).data)


class ThreatViewSet(viewsets.ReadOnlyModelViewSet):
    """The threat taxonomy: families and the kinds of illicit use within them."""

    serializer_class = ThreatSerializer
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return selectors.threats().prefetch_related("synonyms")


class IsCurator(permissions.BasePermission):
    message = "Translations are managed by Secretariat curators."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_curator", False))


class TranslationCountSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices)
    kind = serializers.CharField(help_text="measure, technology, assistance-request or assistance-offer.")
    translated = serializers.IntegerField(help_text="Records with a current translation into the language.")
    missing = serializers.IntegerField(help_text="Records without one.")
    outdated = serializers.IntegerField(help_text="Records whose translation was made from an older original.")


class XliffImportSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices, help_text="The file's target language.")
    file = serializers.FileField(help_text="The translated XLIFF 1.2 file.")


class XliffReportSerializer(serializers.Serializer):
    language = serializers.CharField()
    applied = serializers.ListField(child=serializers.CharField(), help_text="Unit ids applied.")
    stale = serializers.ListField(
        child=serializers.CharField(), help_text="Unit ids whose source is no longer the original's text: not applied."
    )
    untranslated = serializers.ListField(child=serializers.CharField(), help_text="Unit ids without a translation.")
    incomplete = serializers.ListField(
        child=serializers.CharField(),
        help_text="Unit ids of a new translation lacking its title (or name) and summary: not applied.",
    )
    records = serializers.ListField(child=serializers.CharField(), help_text="The records translated.")


XLIFF_EXPORT_PARAMETERS = [
    OpenApiParameter("language", OpenApiTypes.STR, enum=list(Language.values), required=True),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, description="measure, technology, assistance-request or assistance-offer."
    ),
    OpenApiParameter("which", OpenApiTypes.STR, enum=list(translation_files.WHICH)),
    OpenApiParameter("records", OpenApiTypes.STR, description="Only these records: `measure/12 technology/3`."),
]


class TranslationViewSet(viewsets.ViewSet):
    """For curators: how much is translated into each language, and XLIFF 1.2 files for translators."""

    permission_classes = [IsCurator]
    pagination_class = None

    @extend_schema(responses=TranslationCountSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Per language and record type, how many records are translated, missing and outdated."""
        counts = selectors.translation_overview(request.user)
        return Response(TranslationCountSerializer(counts, many=True).data)

    @extend_schema(
        methods=["GET"],
        parameters=XLIFF_EXPORT_PARAMETERS,
        responses={(200, "application/x-xliff+xml"): OpenApiTypes.BINARY},
        description="The texts without a current translation into `language`, as an XLIFF 1.2 file.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": XliffImportSerializer},
        responses=XliffReportSerializer,
        description="A translated XLIFF 1.2 file back: a file that is not valid, is for another language or names "
        "records you may not translate is refused whole (400, the problems under `file`).",
    )
    @action(detail=False, methods=["get", "post"], url_path="xliff", parser_classes=[MultiPartParser, FormParser])
    def xliff(self, request: Request) -> Any:
        from clearinghouse.catalog.translation_pages import xliff_response

        if request.method == "POST":
            given = XliffImportSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            try:
                report = services.import_xliff(
                    given.validated_data["file"].read(), actor=request.user, language=given.validated_data["language"]
                )
            except services.XliffRefused as refused:
                raise exceptions.ValidationError({"file": refused.problems}) from None
            return Response(XliffReportSerializer(report.as_dict()).data)
        params = request.query_params
        language, kind, which = params.get("language", ""), params.get("kind", ""), params.get("which") or "all"
        problems: dict[str, list[str]] = {}
        if language not in Language.values:
            problems["language"] = [_("Give a language: one of %(codes)s.") % {"codes": ", ".join(Language.values)}]
        if kind and kind not in selectors.RECORD_TYPES:
            problems["kind"] = [_("Use one of %(kinds)s.") % {"kinds": ", ".join(selectors.RECORD_TYPES)}]
        if which not in translation_files.WHICH:
            problems["which"] = [_("Use all, missing or outdated.")]
        try:
            ids = translation_files.parse_selection([params.get("records", "")])
        except ValueError as error:
            problems["records"] = [_("“%(entry)s” does not name a record.") % {"entry": str(error)[:80]}]
        if problems:
            raise exceptions.ValidationError(problems)
        return xliff_response(request.user, language, kind, which, ids)
