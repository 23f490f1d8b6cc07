"""Every implementation of the port's commands half, each beside the site it talks to.

The contract suite (tests/test_webex_contract.py) runs once per entry of
:data:`BACKENDS`, the way APScheduler's data-store tests run over every store.
An entry is an async context manager that opens one :class:`Backend`: the port
signed in to a fresh site, the site's own controls (what people do in a
meeting, which no port call can cause), the site's clock, a host it knows, and
a way to open the same site with credentials it refuses.

Adding a backend is adding one entry: the REST backend, for instance, against
the REST simulator on loopback (tests/restsim.py), with a :class:`SiteControls`
that has the simulator's people join, lock and leave, and a token the simulator
does not know for ``refused``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from adapters.webex.memory import MemoryWebex
from adapters.webex.port import WebexMeetings
from adapters.webex.simulator import SimClock, example_site
from adapters.webex.xmlapi import Credentials, XmlApiClient
from tests.fakes.sim import ADMIN, ADMIN_ID, ADMIN_PASSWORD, SITE_NAME, running_site

__all__ = ["BACKENDS", "Backend", "SiteControls"]

#: A Monday morning, so the sites' seeded meetings fall on working days.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class SiteControls(Protocol):
    """What happens on a site outside the port: people joining, leaving, locking."""

    def start(self, key: str) -> None: ...
    def host_joins(self, key: str) -> None: ...
    def attendee_joins(self, key: str, count: int = 1) -> None: ...
    def lock(self, key: str) -> None: ...
    def end(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Backend:
    """One implementation of the port, open against its own fresh site.

    Attributes:
        port: the implementation under test, signed in as an account that may
            schedule for :attr:`host`.
        site: the site's own side.
        now: the site's clock (it stands still unless a test moves it).
        host: a host identity the site knows, as the port names hosts.
        refused: opens the port on the same site with credentials it refuses.
    """

    port: WebexMeetings
    site: SiteControls
    now: Callable[[], datetime]
    host: str
    refused: Callable[[], AbstractAsyncContextManager[WebexMeetings]]


@asynccontextmanager
async def xml_backend() -> AsyncIterator[Backend]:
    """The XML API client against the XML simulator on loopback."""
    clock = SimClock(start=START, speed=0)
    site = example_site(
        clock=clock, admin_id=ADMIN_ID, admin_password=ADMIN_PASSWORD, site_name=SITE_NAME
    )
    async with running_site(site) as (_server, url):

        @asynccontextmanager
        async def refused() -> AsyncIterator[WebexMeetings]:
            wrong = Credentials(site_name=SITE_NAME, webex_id=ADMIN_ID, password="not-it")
            async with XmlApiClient(url, wrong, clock=clock.now) as client:
                yield client

        async with XmlApiClient(url, ADMIN, clock=clock.now) as client:
            yield Backend(port=client, site=site, now=clock.now, host="alice", refused=refused)


@asynccontextmanager
async def memory_backend() -> AsyncIterator[Backend]:
    """The in-memory implementation: the port and its site are one object."""
    clock = SimClock(start=START, speed=0)
    memory = MemoryWebex(clock=clock.now, site_name=SITE_NAME)

    @asynccontextmanager
    async def refused() -> AsyncIterator[WebexMeetings]:
        turned_away = MemoryWebex(clock=clock.now, site_name=SITE_NAME)
        turned_away.refuse_credentials()
        yield turned_away

    host = "alice@acme.example"
    yield Backend(port=memory, site=memory, now=clock.now, host=host, refused=refused)
    await memory.close()


#: Backend name -> how to open it.
BACKENDS: dict[str, Callable[[], AbstractAsyncContextManager[Backend]]] = {
    "xml": xml_backend,
    "memory": memory_backend,
}
