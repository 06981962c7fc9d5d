"""API throttles whose rates are read at request time, so operators and tests can change them."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRate:
    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope)  # type: ignore[attr-defined]


class _SlidingWindow:
    """Counts a client's requests per fixed window and weighs the previous window by the part of it the sliding
    window still covers (the approximation nginx and Cloudflare use): two small counters per client, where
    DRF's throttles keep and rewrite the time of every request in the window (hundreds at high rates).

    A burst is refused as soon as the count reaches the rate; past the window the previous count fades
    linearly, so at most the rate is let through in any window's length, give or take the fading."""

    cache: Any
    timer: Any
    rate: str | None
    num_requests: int
    duration: int

    def _counts(self, key: str) -> tuple[str, int, int, float]:
        now = self.timer()
        window = int(now // self.duration)
        elapsed = (now - window * self.duration) / self.duration
        current_key, previous_key = f"{key}:{window}", f"{key}:{window - 1}"
        found = self.cache.get_many([current_key, previous_key])
        return current_key, int(found.get(current_key, 0)), int(found.get(previous_key, 0)), elapsed

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]  # (DRF's, per throttle)
        if key is None:
            return True
        current_key, current, previous, elapsed = self._counts(key)
        if previous * (1 - elapsed) + current >= self.num_requests:
            self._wait = self._seconds_until_allowed(current, previous, elapsed)
            return False
        # one write in the common case (the window's counter exists): a shared cache takes writes in turn
        try:
            self.cache.incr(current_key)
        except ValueError:  # the window's first request
            if not self.cache.add(current_key, 1, 2 * self.duration):
                self.cache.incr(current_key)  # another worker's first request came in between
        return True

    def _seconds_until_allowed(self, current: int, previous: int, elapsed: float) -> float:
        limit = self.num_requests
        if current >= limit:  # next window: this one's count fades below the limit
            fraction = 1 - (limit - 1) / current
            return (1 - elapsed) * self.duration + fraction * self.duration
        needed = 1 - (limit - 1 - current) / previous if previous else 0.0
        return max(0.0, needed - elapsed) * self.duration

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonymousThrottle(_SlidingWindow, _LiveRate, AnonRateThrottle):
    """Requests from public readers, counted per client address."""


class MemberThrottle(_SlidingWindow, _LiveRate, UserRateThrottle):
    """Requests from signed-in members and API tokens, counted per account. Public readers are not counted
    here: the anonymous rate alone limits them (DRF's user throttle would also count them per address)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        key: str | None = super().get_cache_key(request, view)
        return key
