"""Fixtures for the notification tests: the writing tests' app and accounts, and a third account."""

from __future__ import annotations

import pytest

from tests.writes.conftest import alice, app, bob, client_factory  # noqa: F401  (the same fixtures here)
from tests.writes.helpers import Account


@pytest.fixture
def carol(client_factory):  # noqa: F811  (the fixture imported above)
    return Account(client_factory, "carol")
