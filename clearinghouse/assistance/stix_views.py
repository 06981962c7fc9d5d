"""One request or one offer as a STIX 2.1 bundle: ``GET /api/v1/assistance-requests/<id>/stix/`` and
``/api/v1/assistance-offers/<id>/stix/`` (the API actions in ``assistance.api``), linked from the record's page
as the catalogue's page links to its STIX export. The mapping is ``exchange.stix``'s (its docstring says why a
new SDO); the streaming and the media type are the catalogue export's (``exchange.views``).

Who gets what is the one access rule's: the record only when the reader may see it (a draft, its owner's people
only; any other answers 404, as the record's page does), and TLP:RED never, as the catalogue's STIX export never
carries it. Inside the bundle, a link to a measure or to an offer or request at the other end of an engagement
is there only when the reader may see that record too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404, StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from clearinghouse.assistance import selectors
from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Engagement
from clearinghouse.catalog.models import Threat
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.visibility import TLP
from clearinghouse.exchange import stix
from clearinghouse.exchange.views import STIX_MEDIA_TYPE, _bundle

#: The engagements a bundle carries: the offers the state chose, delivered or not (proposals stay on the platform).
ENGAGED = (Engagement.Status.CHOSEN, Engagement.Status.DELIVERED)


class StixRenderer(BaseRenderer):
    """Lets a client that accepts only ``application/stix+json`` reach the action (errors come as JSON)."""

    media_type = "application/stix+json"
    format = "stix"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode()


def _threats() -> Prefetch:
    return Prefetch("threats", queryset=Threat.objects.select_related("parent").order_by("position", "slug"))


def _exportable_measures(user: Any) -> Any:
    return measures_visible_to(user).exportable().order_by("pk")  # type: ignore[attr-defined]


def _download(objects: Iterable[dict[str, Any]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_bundle(iter(objects)), content_type=STIX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _described() -> list[Any]:
    """What every bundle of a request or an offer carries: its threats, pillars and translations."""
    return [_threats(), "pillars", "translations"]


def _engaged(other: str, visible: Any) -> Prefetch:
    """The record's engagements offered or chosen with an ``other`` record (its offer, or its request) the reader
    may see and that may leave the platform (never RED), as ``engaged``."""
    engagements = Engagement.objects.filter(status__in=ENGAGED, **{f"{other}__in": visible.exclude(tlp=TLP.RED)})
    return Prefetch("engagements", queryset=engagements.select_related(other).order_by("pk"), to_attr="engaged")


def request_for_stix(user: Any, pk: int) -> AssistanceRequest:
    """The request with what its bundle carries; ``AssistanceRequest.DoesNotExist`` if the reader may not see it."""
    return (
        selectors.requests_visible_to(user)
        .exclude(tlp=TLP.RED)
        .prefetch_related(
            *_described(),
            Prefetch("measures", queryset=_exportable_measures(user)),
            Prefetch("adopted_measures", queryset=_exportable_measures(user)),
            _engaged("offer", selectors.offers_visible_to(user).values("pk")),
        )
        .get(pk=pk)
    )


def offer_for_stix(user: Any, pk: int) -> AssistanceOffer:
    """The offer with what its bundle carries; ``AssistanceOffer.DoesNotExist`` if the reader may not see it."""
    return (
        selectors.offers_visible_to(user)
        .exclude(tlp=TLP.RED)
        .prefetch_related(*_described(), _engaged("request", selectors.requests_visible_to(user).values("pk")))
        .get(pk=pk)
    )


def request_objects(request: AssistanceRequest) -> Iterable[dict[str, Any]]:
    own = stix.assistance_request_objects(
        request,
        measures=request.measures.all(),
        adopted=request.adopted_measures.all(),
        engagements=request.engaged,  # type: ignore[attr-defined]
    )
    return stix.assistance_bundle_objects(request, own, stix.request_extension_definition())


def offer_objects(offer: AssistanceOffer) -> Iterable[dict[str, Any]]:
    own = stix.assistance_offer_objects(offer, engagements=offer.engaged)  # type: ignore[attr-defined]
    return stix.assistance_bundle_objects(offer, own, stix.offer_extension_definition())


def _one(
    find: Callable[[Any, int], Any], objects: Callable[[Any], Iterable[dict[str, Any]]], user: Any, pk: Any
) -> StreamingHttpResponse:
    try:
        record = find(user, int(pk))
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise Http404 from None
    kind = "request" if isinstance(record, AssistanceRequest) else "offer"
    return _download(objects(record), f"assistance-{kind}-{record.pk}.stix.json")


def request_download(user: Any, pk: Any) -> StreamingHttpResponse:
    """The bundle of one request, or 404 when the reader may not see it."""
    return _one(request_for_stix, request_objects, user, pk)


def offer_download(user: Any, pk: Any) -> StreamingHttpResponse:
    """The bundle of one offer, or 404 when the reader may not see it."""
    return _one(offer_for_stix, offer_objects, user, pk)
