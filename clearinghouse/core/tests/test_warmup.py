"""A worker loads what its first request would load before it takes any (issue 13: a fresh worker's first
search page took about 2 s, and every request queued behind it waited)."""

from __future__ import annotations

import gc
import logging
import sys

import pytest
from django.urls import get_resolver
from django.utils import translation

from clearinghouse.core import warmup


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_warming_up_loads_the_views_every_language_s_urls_and_the_search_analysers(caplog, unfrozen):
    with caplog.at_level(logging.ERROR):
        warmup.warm_up()

    assert not caplog.records  # every step ran (a template that does not compile would show here)
    assert "clearinghouse.catalog.views" in sys.modules
    assert {"ar", "en", "zh-hans"} <= set(get_resolver()._reverse_dict)
    from clearinghouse.catalog.search import analysis

    assert analysis._segmenter_ready
    assert gc.get_freeze_count() > 0  # (what was loaded is out of the collector's sight)


def test_a_step_that_fails_is_logged_and_the_worker_starts_anyway(monkeypatch, caplog, unfrozen):
    def broken() -> None:
        raise RuntimeError("no dictionary")

    monkeypatch.setattr(warmup, "_search_analysers", broken)
    with caplog.at_level(logging.ERROR):
        seconds = warmup.warm_up()

    assert seconds >= 0
    assert "Warming up failed at broken" in caplog.text
    assert translation.get_language()  # (the language overrides were undone)
