"""Fixtures for the notification tests: one app, accounts that each have their own browser session."""

from __future__ import annotations

import pytest

from tests.conftest import clients_of
from tests.writes.helpers import Account


@pytest.fixture
def app(settings):
    from app.main import create_app

    return create_app(settings)


@pytest.fixture
def client_factory(app):
    yield from clients_of(app)


@pytest.fixture
def alice(client_factory):
    return Account(client_factory, "alice")


@pytest.fixture
def bob(client_factory):
    return Account(client_factory, "bob")


@pytest.fixture
def carol(client_factory):
    return Account(client_factory, "carol")
