"""API throttles whose rates are read at request time, so operators and tests can change them."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousThrottle(_LiveRate, AnonRateThrottle):
    """Requests from public readers, counted per client address."""


class MemberThrottle(_LiveRate, UserRateThrottle):
    """Requests from signed-in members and API tokens, counted per account."""
