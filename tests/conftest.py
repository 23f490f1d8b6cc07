"""Fixtures shared across the test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from state.store import Store
from tests.fakes.slack_api import FakeSlack, running_fake_slack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API on loopback; see tests/fakes/slack_api.py."""
    async with running_fake_slack() as fake:
        yield fake


@pytest.fixture
async def sqlite_store() -> AsyncIterator[Store]:
    """A real store on an in-memory SQLite database."""
    async with await Store.open("sqlite:///:memory:") as store:
        yield store
