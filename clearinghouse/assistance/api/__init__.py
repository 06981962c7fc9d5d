"""/api/v1/assistance-requests/ and /api/v1/assistance-offers/: the same selectors, filters and services as the
pages. A record the caller may not see answers 404; a step they may not take, 403 with the service's message; a
step out of order or a bad value, 400 naming the problem."""

from clearinghouse.assistance.api.viewsets import AssistanceOfferViewSet, AssistanceRequestViewSet

__all__ = ["AssistanceOfferViewSet", "AssistanceRequestViewSet"]
