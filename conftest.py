"""Fixtures shared by every test: the reference data, loaded once, the personas, fresh per-test state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clearinghouse.core.testing import Personas, make_personas
from clearinghouse.countries.services import load_reference_data
from tests.smtp import SmtpServer


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, with the settings pointed at it: what the test sends goes
    over a socket through Django's SMTP backend and is read back from ``smtp_server.messages`` (tests/smtp.py)."""
    server = SmtpServer().start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_per_test_state() -> Iterator[None]:
    """No test inherits what the tests before it left: the API throttles' counters (in the cache), the search
    index and sets (kept outside the database, so not rolled back with it), and the language the last
    request activated in this thread."""
    from django.core.cache import cache
    from django.utils import translation

    from clearinghouse.catalog import search

    cache.clear()
    search.reset()
    yield
    translation.deactivate()


# The query-count tests count what a view asks of the database; the public page cache's read of its stamp (and
# what it saves) is measured in bench/throughput.py. With the cache off there, a count is the view's alone.


@pytest.fixture
def django_assert_num_queries(django_assert_num_queries, settings):
    settings.PAGE_CACHE = False
    return django_assert_num_queries


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, settings):
    settings.PAGE_CACHE = False
    return django_assert_max_num_queries
