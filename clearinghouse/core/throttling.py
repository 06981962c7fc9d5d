"""API throttles whose rates are read at request time, so operators and tests can change them."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRate:
    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope)  # type: ignore[attr-defined]


class AnonymousThrottle(_LiveRate, AnonRateThrottle):
    """Requests from public readers, counted per client address."""


class MemberThrottle(_LiveRate, UserRateThrottle):
    """Requests from signed-in members and API tokens, counted per account. Public readers are not counted
    here: the anonymous rate alone limits them (DRF's user throttle would also count them per address)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        key: str | None = super().get_cache_key(request, view)
        return key
