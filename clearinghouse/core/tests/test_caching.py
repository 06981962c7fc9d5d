"""The embedded cache keeps its SQLite connections between requests (issue 13: reopening them took most of an
API answer served from the page cache)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from clearinghouse.core.caching import DiskCache


@pytest.fixture
def disk_cache(tmp_path):
    location = str(tmp_path / "cache")
    backend = {"BACKEND": "clearinghouse.core.caching.DiskCache", "LOCATION": location}
    with override_settings(CACHES={**settings.CACHES, "default": backend}):
        cache = caches["default"]
        assert isinstance(cache, DiskCache)
        yield cache
        cache._cache.close()


def connections_of(cache) -> list[object]:
    return [getattr(shard._local, "con", None) for shard in cache._cache._shards]


@pytest.mark.django_db
def test_the_cache_connections_outlive_a_request(disk_cache, client):
    disk_cache.set("counted", 1)
    before = connections_of(disk_cache)

    client.get("/en/")  # Django closes every cache when the request finishes

    assert any(before)
    assert connections_of(disk_cache) == before
    assert disk_cache.get("counted") == 1
