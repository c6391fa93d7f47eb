"""Fixtures for the moderation tests: the writing tests' app and members (alice, bob), a moderator and
an admin (promoted the way `kb user promote` does it)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.writes import conftest as writing
from tests.writes.helpers import Account

# The writing tests' app and members, as fixtures of this folder too.
app, client_factory, alice, bob = writing.app, writing.client_factory, writing.alice, writing.bob


def promoted(app, account: Account, role: str) -> Account:
    from app.services.moderation import set_role

    with Session(app.state.engine) as session:
        set_role(session, account.username, role)
    return account


@pytest.fixture
def mod(app, client_factory):
    return promoted(app, Account(client_factory, "minji"), "moderator")


@pytest.fixture
def admin(app, client_factory):
    return promoted(app, Account(client_factory, "boss"), "admin")
