"""The Webex site simulator on loopback, and the admin account the tests use.

The ``sim_site`` fixture (tests/conftest.py) builds its example site with
:data:`SITE_NAME`, :data:`ADMIN_ID` and :data:`ADMIN_PASSWORD`, so
:data:`ADMIN` signs in to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from adapters.webex.simulator import XML_PATH, SimulatedSite, create_app
from adapters.webex.xmlapi import Credentials, XmlApiClient

SITE_NAME = "acme"
ADMIN_ID = "admin"
ADMIN_PASSWORD = "admin-pass"
#: The simulated site admin, as the bot signs in.
ADMIN = Credentials(site_name=SITE_NAME, webex_id=ADMIN_ID, password=ADMIN_PASSWORD)
#: The ``connect`` fixture (tests/conftest.py): an XML API client of the site.
ClientFactory = Callable[..., XmlApiClient]


@asynccontextmanager
async def running_site(site: SimulatedSite) -> AsyncIterator[tuple[TestServer, str]]:
    """``site`` served on 127.0.0.1 (free port): the server and its XML API URL,
    closed on exit."""
    server = TestServer(create_app(site), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield server, str(server.make_url(XML_PATH))
    finally:
        await server.close()
