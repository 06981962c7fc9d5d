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
from collections.abc import Iterable
from typing import Any

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


def request_for_stix(user: Any, pk: int) -> AssistanceRequest:
    """The request with what its bundle carries; ``AssistanceRequest.DoesNotExist`` if the reader may not see it."""
    visible_offers = selectors.offers_visible_to(user).exclude(tlp=TLP.RED).values("pk")
    return (
        selectors.requests_visible_to(user)
        .exclude(tlp=TLP.RED)
        .prefetch_related(
            _threats(),
            "pillars",
            "translations",
            Prefetch("measures", queryset=_exportable_measures(user)),
            Prefetch("adopted_measures", queryset=_exportable_measures(user)),
            Prefetch(
                "engagements",
                queryset=Engagement.objects.filter(status__in=ENGAGED, offer__in=visible_offers)
                .select_related("offer")
                .order_by("pk"),
                to_attr="engaged",
            ),
        )
        .get(pk=pk)
    )


def offer_for_stix(user: Any, pk: int) -> AssistanceOffer:
    """The offer with what its bundle carries; ``AssistanceOffer.DoesNotExist`` if the reader may not see it."""
    visible_requests = selectors.requests_visible_to(user).exclude(tlp=TLP.RED).values("pk")
    return (
        selectors.offers_visible_to(user)
        .exclude(tlp=TLP.RED)
        .prefetch_related(
            _threats(),
            "pillars",
            "translations",
            Prefetch(
                "engagements",
                queryset=Engagement.objects.filter(status__in=ENGAGED, request__in=visible_requests)
                .select_related("request")
                .order_by("pk"),
                to_attr="engaged",
            ),
        )
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


def request_download(user: Any, pk: Any) -> StreamingHttpResponse:
    """The bundle of one request, or 404 when the reader may not see it."""
    try:
        request = request_for_stix(user, int(pk))
    except (AssistanceRequest.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    return _download(request_objects(request), f"assistance-request-{request.pk}.stix.json")


def offer_download(user: Any, pk: Any) -> StreamingHttpResponse:
    """The bundle of one offer, or 404 when the reader may not see it."""
    try:
        offer = offer_for_stix(user, int(pk))
    except (AssistanceOffer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    return _download(offer_objects(offer), f"assistance-offer-{offer.pk}.stix.json")
