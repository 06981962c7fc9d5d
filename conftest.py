"""Fixtures shared by every test: the reference data, loaded once, the personas, fresh rate counters."""

from __future__ import annotations

import pytest

from clearinghouse.core.testing import Personas, make_personas
from clearinghouse.countries.services import load_reference_data


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    """API throttles count in the cache: no test inherits the requests of the tests before it."""
    from django.core.cache import cache

    cache.clear()
