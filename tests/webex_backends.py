"""Every implementation of the port's commands half, each beside the site it talks to.

The contract suite (tests/test_webex_contract.py) runs once per entry of
:data:`BACKENDS`, the way APScheduler's data-store tests run over every store.
An entry is an async context manager that opens one :class:`Backend`: the port
signed in to a fresh site, the site's own controls (what people do in a
meeting, which no port call can cause), the site's clock, a host it knows, and
a way to open the same site with credentials it refuses.

Adding a backend is adding one entry, as the REST backend's is: the backend
against its simulator on loopback, the simulator's people as its ``site``, a
token the simulator does not know for ``refused``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from adapters.webex.memory import MemoryWebex
from adapters.webex.port import WebexMeetings
from adapters.webex.rest.client import RestClient, RestSettings, Tokens
from adapters.webex.rest.index import MeetingIndex
from adapters.webex.rest.meetings import RestMeetings
from adapters.webex.rest.simulator import RestSite
from adapters.webex.simulator import SimClock, example_site
from adapters.webex.xmlapi import Credentials, XmlApiClient
from tests.fakes.sim import ADMIN, ADMIN_ID, ADMIN_PASSWORD, SITE_NAME, running_site
from tests.restsim import ADMIN_TOKEN, ALICE, new_site, running

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
        site_name: the name the capabilities give the site.
    """

    port: WebexMeetings
    site: SiteControls
    now: Callable[[], datetime]
    host: str
    refused: Callable[[], AbstractAsyncContextManager[WebexMeetings]]
    site_name: str = SITE_NAME
    #: Whether the live state says if a meeting is locked (the REST API does not).
    locks: bool = True


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


class _RestPeople:
    """:class:`SiteControls` over the REST simulator, which names a meeting by its
    series id where the port names it by its meeting number."""

    def __init__(self, site: RestSite) -> None:
        self._site = site

    def _id(self, key: str) -> str:
        return next(s.id for s in self._site.all_series() if s.meeting_number == key)

    def start(self, key: str) -> None:
        self._site.start(self._id(key))

    def host_joins(self, key: str) -> None:
        self._site.host_joins(self._id(key))

    def attendee_joins(self, key: str, count: int = 1) -> None:
        for n in range(count):
            guest = f"guest{n}@acme.example"
            if guest not in {p.email for p in self._site.people()}:
                self._site.add_person(guest)
            self._site.join(self._id(key), guest)

    def lock(self, key: str) -> None:
        raise NotImplementedError("the REST API tells nothing of a meeting's lock")

    def end(self, key: str) -> None:
        self._site.end(self._id(key))


@asynccontextmanager
async def rest_backend() -> AsyncIterator[Backend]:
    """The REST backend against the REST simulator on loopback, as an admin."""
    site = new_site()
    index = MeetingIndex()
    async with running(site) as api:
        settings = RestSettings(base_url=api.base)

        def meetings(token: str) -> RestMeetings:
            client = RestClient(Tokens(access_token=token), settings=settings)
            return RestMeetings(client, index, site_url="acme.webex.com")

        @asynccontextmanager
        async def refused() -> AsyncIterator[WebexMeetings]:
            turned_away = meetings("not-a-token-the-site-gave")
            try:
                yield turned_away
            finally:
                await turned_away.close()

        port = meetings(ADMIN_TOKEN)
        try:
            yield Backend(
                port=port,
                site=_RestPeople(site),
                now=site.clock.now,
                host=ALICE,
                refused=refused,
                site_name="acme.webex.com",
                locks=False,
            )
        finally:
            await port.close()


#: Backend name -> how to open it.
BACKENDS: dict[str, Callable[[], AbstractAsyncContextManager[Backend]]] = {
    "xml": xml_backend,
    "memory": memory_backend,
    "rest": rest_backend,
}
