"""The API's endpoints of requests and offers: the same selectors, filters and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from clearinghouse.assistance import selectors, services, stix_views
from clearinghouse.assistance.api.serializers import SIX, AssistanceOfferSerializer, AssistanceRequestSerializer
from clearinghouse.assistance.filters import AssistanceOfferFilterSet, AssistanceRequestFilterSet
from clearinghouse.assistance.models import (
    AssistanceOffer,
)
from clearinghouse.catalog.api import TranslationSerializer
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.api import SearchPagination, as_api_errors
from clearinghouse.countries.models import active_language


def asked_language(request: Request) -> str:
    """``?language=`` when given (one of the six, else 400), else the language of the request (Accept-Language)."""
    given = request.query_params.get("language")
    if given is None or given == "":
        return active_language()
    if given not in SIX:
        raise exceptions.ValidationError({"language": [f"Use one of {', '.join(SIX)}."]})
    return given


LANGUAGE_PARAMETER = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    enum=SIX,
    description="The language `in_language` gives the texts in (default: Accept-Language).",
)
TRANSLATION_INPUT = inline_serializer(
    "AssistanceTranslationInput",
    {
        "language": serializers.CharField(help_text="One of the six, not the record's own: " + ", ".join(SIX)),
        "quality": serializers.CharField(help_text="author, professional, reviewed or machine."),
        "translator": serializers.CharField(required=False),
        "title": serializers.CharField(),
        "need": serializers.CharField(required=False, help_text="A request's."),
        "description": serializers.CharField(required=False, help_text="An offer's."),
        "past_engagements": serializers.CharField(required=False, help_text="An offer's."),
    },
)


class _RecordViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """What the two endpoints share: the caller's records (404 for one they may not see, through ``find``), the
    texts in ``?language=``, an update always partial, and ``…/<id>/translations/``: ``GET`` the record's
    translations (the catalogue's ``TranslationSerializer``, as for measures), ``POST`` adds or replaces one
    (``set_translation``), by the owner's people or a curator (403 for others, 400 naming a bad value, a
    translation into the record's own language included; nothing changed then)."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = SearchPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    #: ``(user, pk)`` → the record as its page shows it, or ``DoesNotExist``.
    find: Any = None
    #: The service that saves a translation.
    set_translation: Any = None

    def get_object(self) -> Any:
        try:
            return type(self).find(self.request.user, int(self.kwargs["pk"]))
        except (ObjectDoesNotExist, ValueError):
            raise Http404 from None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "detail": self.detail, "language": asked_language(self.request)}

    def _answer(self, item: Any, code: int = status.HTTP_200_OK) -> Response:
        self.detail = True
        fresh = type(self).find(self.request.user, item.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(parameters=[LANGUAGE_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[LANGUAGE_PARAMETER])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(methods=["GET"], request=None, responses=TranslationSerializer(many=True))
    @extend_schema(methods=["POST"], request=TRANSLATION_INPUT, responses={201: TranslationSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def translations(self, request: Request, pk: str | None = None) -> Response:
        """The record's translations; POST adds or replaces one (a request's title and need; an offer's title,
        description and past engagements)."""
        record = self.get_object()
        if request.method == "POST":
            data = request.data if isinstance(request.data, dict) else {}
            given = {str(key): value for key, value in data.items()}
            problems = {key: ["A text."] for key, value in given.items() if not isinstance(value, str)}
            for key in ("language", "quality"):
                if not given.get(key):
                    problems[key] = ["This field is required."]
            if problems:
                raise serializers.ValidationError(problems)
            with as_api_errors():
                saved = type(self).set_translation(
                    record,
                    actor=request.user,
                    language=given.pop("language"),
                    quality=given.pop("quality"),
                    translator=given.pop("translator", ""),
                    **given,
                )
            return Response(TranslationSerializer(saved).data, status=status.HTTP_201_CREATED)
        found = sorted(record.translations.all(), key=lambda t: t.language)
        return Response(TranslationSerializer(found, many=True).data)


def _text(request: Request, name: str) -> str:
    value = request.data.get(name, "") if isinstance(request.data, dict) else ""
    if not isinstance(value, str):
        raise serializers.ValidationError({name: ["A text."]})
    return value


def _offer(request: Request, value: Any, name: str = "offer") -> AssistanceOffer:
    """An offer the caller may see, by id (any other: a 400 naming the field, never a hint it exists)."""
    try:
        return selectors.offers_visible_to(request.user).get(pk=int(value))
    except (AssistanceOffer.DoesNotExist, TypeError, ValueError):
        raise serializers.ValidationError({name: [f"No offer you may see has the id {value!r}."]}) from None


COMMENT = inline_serializer("AssistanceStep", {"comment": serializers.CharField(required=False)})


class AssistanceRequestViewSet(_RecordViewSet):
    """Requests for assistance the caller may see, filterable by stage, region, development group, threat, kind
    and requesting state. The people of a Member State draft, change, open, withdraw and close its requests; a
    curator or an offerer proposes an offer; the state chooses; a curator hides and shows."""

    serializer_class = AssistanceRequestSerializer
    filterset_class = AssistanceRequestFilterSet
    find = staticmethod(selectors.request_detail)
    set_translation = staticmethod(services.set_request_translation)

    def get_queryset(self):
        user = self.request.user
        return (
            selectors.requests_for_list(user)
            .prefetch_related(
                "pillars",
                # a request may name a measure the reader may not see: it is left out
                Prefetch("measures", queryset=measures_visible_to(user)),
                Prefetch("adopted_measures", queryset=measures_visible_to(user)),
            )
            .order_by("pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user: Any = request.user
        state = data.pop("owner_state", None) or user.member_state
        with as_api_errors():
            item = services.create_request(actor=request.user, member_state=state, **data)
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(request=AssistanceRequestSerializer, responses=AssistanceRequestSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("owner_state", None)
        with as_api_errors():
            services.update_request(item, actor=request.user, **data)
        return self._answer(item)

    def _step(self, function: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        with as_api_errors():
            function(item, actor=self.request.user, **kwargs)
        return self._answer(item)

    @extend_schema(request=COMMENT, responses=AssistanceRequestSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.open_request, comment=_text(request, "comment"))

    @extend_schema(request=COMMENT, responses=AssistanceRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.withdraw_request, comment=_text(request, "comment"))

    @extend_schema(
        request=inline_serializer("AssistancePropose", {"offer": serializers.IntegerField()}),
        responses=AssistanceRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        offer = _offer(request, request.data.get("offer") if isinstance(request.data, dict) else None)
        with as_api_errors():
            services.propose(item, offer, actor=request.user)
        return self._answer(item)

    @extend_schema(
        request=inline_serializer(
            "AssistanceChoose",
            {
                "offers": serializers.ListField(child=serializers.IntegerField()),
                "comment": serializers.CharField(required=False),
            },
        ),
        responses=AssistanceRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def choose(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        given = request.data.get("offers") if isinstance(request.data, dict) else None
        if not isinstance(given, list):
            raise serializers.ValidationError({"offers": ["A list of offer ids."]})
        offers = [_offer(request, value, "offers") for value in given]
        with as_api_errors():
            services.choose(item, offers, actor=request.user, comment=_text(request, "comment"))
        return self._answer(item)

    @extend_schema(request=COMMENT, responses=AssistanceRequestSerializer)
    @action(detail=True, methods=["post"], url_path="start-delivery")
    def start_delivery(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.start_delivery, comment=_text(request, "comment"))

    @extend_schema(
        request=inline_serializer(
            "AssistanceDelivery",
            {
                "offer": serializers.IntegerField(),
                "delivered": serializers.CharField(),
                "comment": serializers.CharField(required=False),
            },
        ),
        responses=AssistanceRequestSerializer,
    )
    @action(detail=True, methods=["post"], url_path="record-delivery")
    def record_delivery(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        offer = _offer(request, request.data.get("offer") if isinstance(request.data, dict) else None)
        with as_api_errors():
            services.record_delivery(
                item,
                actor=request.user,
                offer=offer,
                delivered=_text(request, "delivered"),
                comment=_text(request, "comment"),
            )
        return self._answer(item)

    @extend_schema(
        request=inline_serializer(
            "AssistanceClose",
            {
                "outcome": serializers.CharField(),
                "adopted_measures": serializers.ListField(child=serializers.IntegerField(), required=False),
                "feedback": serializers.CharField(required=False),
            },
        ),
        responses=AssistanceRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        given = request.data.get("adopted_measures", []) if isinstance(request.data, dict) else []
        if not isinstance(given, list) or not all(isinstance(v, int) for v in given):
            raise serializers.ValidationError({"adopted_measures": ["A list of measure ids."]})
        adopted = list(measures_visible_to(request.user).filter(pk__in=given))
        if len(adopted) != len(set(given)):
            raise serializers.ValidationError({"adopted_measures": ["Only measures you may see can be named."]})
        with as_api_errors():
            services.close_request(
                item,
                actor=request.user,
                outcome=_text(request, "outcome"),
                adopted_measures=adopted,
                feedback=_text(request, "feedback"),
            )
        return self._answer(item)

    @extend_schema(
        request=inline_serializer("AssistanceHide", {"reason": serializers.CharField()}),
        responses=AssistanceRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def hide(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.hide_request, reason=_text(request, "reason"))

    @extend_schema(request=None, responses=AssistanceRequestSerializer)
    @action(detail=True, methods=["post"])
    def show(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.show_request)

    @extend_schema(exclude=True)  # a STIX bundle is its own format, as the catalogue's STIX export
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, stix_views.StixRenderer])
    def stix(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The request as a STIX 2.1 bundle (docs/assistance.md, "STIX 2.1")."""
        return stix_views.request_download(request.user, pk)


class AssistanceOfferViewSet(_RecordViewSet):
    """Offers of assistance the caller may see (withdrawn ones only to their offerer and the curators),
    filterable by kind, threat, region served, offering state and organization. The people of the offering state
    or organization (curators, for the ITU's) make, change and withdraw them."""

    serializer_class = AssistanceOfferSerializer
    filterset_class = AssistanceOfferFilterSet
    find = staticmethod(selectors.offer_detail)
    set_translation = staticmethod(services.set_offer_translation)

    def get_queryset(self):
        return selectors.offers_for_list(self.request.user).prefetch_related("pillars").order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner = data.pop("owner")
        with as_api_errors():
            offer = services.create_offer(actor=request.user, owner=owner, **data)
        return self._answer(offer, status.HTTP_201_CREATED)

    @extend_schema(request=AssistanceOfferSerializer, responses=AssistanceOfferSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer = self.get_object()
        serializer = self.get_serializer(offer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with as_api_errors():
            services.update_offer(offer, actor=request.user, **serializer.validated_data)
        return self._answer(offer)

    @extend_schema(request=None, responses=AssistanceOfferSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        offer = self.get_object()
        with as_api_errors():
            services.withdraw_offer(offer, actor=request.user)
        return self._answer(offer)

    @extend_schema(exclude=True)  # a STIX bundle is its own format, as the catalogue's STIX export
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, stix_views.StixRenderer])
    def stix(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The offer as a STIX 2.1 bundle (docs/assistance.md, "STIX 2.1")."""
        return stix_views.offer_download(request.user, pk)
