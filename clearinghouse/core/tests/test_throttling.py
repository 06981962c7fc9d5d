"""The API's throttles count per window, the previous window weighed by the part the sliding window still
covers (issue 13: DRF's list of every request's time was rewritten on every request)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory

from clearinghouse.core.throttling import AnonymousThrottle


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle_at(clock: Clock, rate: str) -> Any:
    throttle = AnonymousThrottle()
    throttle.timer = clock
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)  # type: ignore[assignment]
    return throttle


def request_from(address: str) -> Any:
    request = RequestFactory().get("/api/v1/measures/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()


def test_a_burst_is_refused_at_the_rate_and_told_when_to_come_back():
    clock = Clock(6000.0)  # the start of a one-minute window
    request = request_from("198.51.100.1")
    answers = [throttle_at(clock, "5/minute").allow_request(request, None) for _ in range(6)]
    assert answers == [True] * 5 + [False]
    refused = throttle_at(clock, "5/minute")
    assert not refused.allow_request(request, None)
    assert 60 <= refused.wait() <= 120  # the window's end, and the previous count fading below the rate


def test_the_previous_window_still_counts_in_proportion_to_what_the_sliding_window_covers():
    clock = Clock(6000.0)
    request = request_from("198.51.100.2")
    for _ in range(10):
        assert throttle_at(clock, "10/minute").allow_request(request, None)
    clock.now = 6060.0 + 15  # a quarter into the next window: 10 × 3/4 = 7.5 still count
    allowed = 0
    while throttle_at(clock, "10/minute").allow_request(request, None):
        allowed += 1
    assert allowed == 3  # 7.5 + 3 = 10.5 ≥ 10 on the fourth
    clock.now = 6060.0 + 59  # near the window's end: the previous count has nearly faded
    assert throttle_at(clock, "10/minute").allow_request(request, None)


def test_each_address_has_its_own_count():
    clock = Clock(6000.0)
    for _ in range(3):
        assert throttle_at(clock, "3/minute").allow_request(request_from("198.51.100.3"), None)
    assert not throttle_at(clock, "3/minute").allow_request(request_from("198.51.100.3"), None)
    assert throttle_at(clock, "3/minute").allow_request(request_from("198.51.100.4"), None)
