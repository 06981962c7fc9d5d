"""Fixtures shared by every test: the reference data, loaded once, and the personas."""

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
