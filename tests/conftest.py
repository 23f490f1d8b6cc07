"""Shared fixtures: a frozen simulation clock, a simulated Webex site, a fake Slack
Web API and a real in-memory store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from adapters.webex.simulator import XML_PATH, SimClock, SimulatedSite, example_site
from adapters.webex.xmlapi import Credentials, XmlApiClient
from state.store import Store, open_store
from tests.fakes.sim import ADMIN, ADMIN_ID, ADMIN_PASSWORD, SITE_NAME, ClientFactory, running_site
from tests.fakes.slack_api import FakeSlack, running_fake_slack

#: postgres_server and postgres_url: a real PostgreSQL started by the tests.
pytest_plugins = ["tests.postgres"]

#: A Monday morning, so the example site's meetings fall on working days.
SIM_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def sim_clock() -> SimClock:
    """A clock at SIM_START that moves only when advanced (speed 0)."""
    return SimClock(start=SIM_START, speed=0)


@pytest.fixture
def sim_site(sim_clock: SimClock) -> SimulatedSite:
    """The example site, signed in to with ``tests.fakes.sim.ADMIN``."""
    return example_site(
        clock=sim_clock, admin_id=ADMIN_ID, admin_password=ADMIN_PASSWORD, site_name=SITE_NAME
    )


@pytest.fixture
async def sim_server(sim_site: SimulatedSite) -> AsyncIterator[TestServer]:
    """``create_app(sim_site)`` on 127.0.0.1 and a free port; its XML URL is ``sim_url``."""
    async with running_site(sim_site) as (server, _url):
        yield server


@pytest.fixture
def sim_url(sim_server: TestServer) -> str:
    """The XML API URL of ``sim_server``."""
    return str(sim_server.make_url(XML_PATH))


@pytest.fixture
async def sim_http() -> AsyncIterator[ClientSession]:
    """A client session for raw requests to the simulator, closed afterwards."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API on loopback; see tests/fakes/slack_api.py."""
    async with running_fake_slack() as fake:
        yield fake


@pytest.fixture
async def sqlite_store() -> AsyncIterator[Store]:
    """A real store on an in-memory SQLite database."""
    async with await open_store("sqlite:///:memory:") as store:
        yield store


@pytest.fixture
async def connect(sim_url: str) -> AsyncIterator[ClientFactory]:
    """XML API clients of the simulated site (ADMIN unless told), closed after the test."""
    clients: list[XmlApiClient] = []

    def factory(credentials: Credentials = ADMIN, **options: object) -> XmlApiClient:
        client = XmlApiClient(sim_url, credentials, **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()
