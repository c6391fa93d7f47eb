"""Fixtures for the moderation tests: an app, two members (alice asks, bob answers), a moderator and
an admin (promoted the way `kb user promote` does it)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.conftest import clients_of
from tests.writes.helpers import Account


@pytest.fixture
def app(settings):
    from app.main import create_app

    return create_app(settings)


@pytest.fixture
def client_factory(app):
    yield from clients_of(app)


def promoted(app, account: Account, role: str) -> Account:
    from app.services.moderation import set_role

    with Session(app.state.engine) as session:
        set_role(session, account.username, role)
    return account


@pytest.fixture
def alice(client_factory):
    return Account(client_factory, "alice")


@pytest.fixture
def bob(client_factory):
    return Account(client_factory, "bob")


@pytest.fixture
def mod(app, client_factory):
    return promoted(app, Account(client_factory, "minji"), "moderator")


@pytest.fixture
def admin(app, client_factory):
    return promoted(app, Account(client_factory, "boss"), "admin")
