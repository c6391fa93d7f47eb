"""Fixtures for the writing tests: an app, fresh clients, two logged-in accounts."""

from __future__ import annotations

import pytest

from tests.conftest import clients_of
from tests.writes.helpers import Account


@pytest.fixture
def app(settings):
    from tests.apps import new_app

    return new_app(settings)


@pytest.fixture
def client_factory(app):
    yield from clients_of(app)


@pytest.fixture
def alice(client_factory):
    return Account(client_factory, "alice")


@pytest.fixture
def bob(client_factory):
    return Account(client_factory, "bob")
