"""The simulator's bench modes: a large seeded site, a foreign way of writing
listings (which the client, row memo included, must read as it reads ours),
slow listings, and request counts on the control surface."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientSession

from adapters.webex.simulator import SimClock, SimulatedSite, example_site
from adapters.webex.simulator.__main__ import _arguments, build_site
from adapters.webex.simulator.xml.records import RecordedRequest
from adapters.webex.simulator.xml.seed import bulk_site
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.models import SessionRef
from tests.conftest import SIM_START
from tests.fakes.sim import ADMIN, ADMIN_ID, ADMIN_PASSWORD, SITE_NAME, running_site
from tests.simxml import content, message


def _site(**bulk: Any) -> SimulatedSite:
    site = example_site(
        clock=SimClock(start=SIM_START, speed=0),
        admin_id=ADMIN_ID,
        admin_password=ADMIN_PASSWORD,
        site_name=SITE_NAME,
    )
    return bulk_site(site, **bulk) if bulk else site


def _window(now: datetime) -> dict[str, Any]:
    return {"start_from": now - timedelta(days=1), "start_to": now + timedelta(days=8)}


async def _listing(url: str, clock: SimClock, page_size: int = 500) -> tuple[object, ...]:
    async with XmlApiClient(url, ADMIN, clock=clock.now, page_size=page_size) as client:
        now = clock.now()
        window = _window(now)
        first = await client.list_sessions(**window)
        again = await client.list_sessions(**window)
        assert again == first
        assert first.complete
        return tuple(sorted(first.sessions, key=lambda s: s.session_key))


async def test_a_foreign_site_lists_the_same_sessions_and_its_rows_are_recalled() -> None:
    site = _site(sessions=60, hosts=4, live=6)
    async with running_site(site) as (_server, url):
        ours = await _listing(url, site.clock, page_size=25)
        site.foreign_listings = True
        async with XmlApiClient(url, ADMIN, clock=site.clock.now, page_size=25) as client:
            now = site.clock.now()
            window = _window(now)
            # The first page tells the client the rows' prefix; from then on
            # every row seen before comes from the memo, none is read again.
            await client.list_sessions(**window)
            await client.list_sessions(**window)
            memo = client._rows
            hits, misses = memo.hits, memo.misses
            third = await client.list_sessions(**window)
    assert tuple(sorted(third.sessions, key=lambda s: s.session_key)) == ours
    assert (memo.hits - hits, memo.misses - misses) == (len(ours), 0)
    assert [s.host_webex_id for s in third.sessions] == sorted(
        (s.host_webex_id for s in third.sessions), key=str.lower
    )


async def test_foreign_listings_look_different_from_ours(sim_http: ClientSession) -> None:
    site = _site(sessions=12, hosts=3)
    site.foreign_listings = True
    async with running_site(site) as (_server, url):
        request = message(content("ep.LstsummarySession"))
        async with sim_http.post(url, data=request) as response:
            body = await response.read()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<ns2:session>" in body and b"<ep:" not in body
    assert b'xsi:type="ns2:lstsummarySessionResponse"' in body
    row = body.split(b"<ns2:session>")[1]
    # Fields alphabetically: confID comes before sessionKey, unlike ours.
    assert row.index(b"<ns2:confID>") < row.index(b"<ns2:sessionKey>")


async def test_a_slow_listing_does_not_hold_up_other_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = _site()
    site.listing_latency = 0.3
    asked = asyncio.Event()
    record = site.record

    def noting(request: RecordedRequest) -> None:
        record(request)
        if request.operation_names == ("LstsummarySession",):
            asked.set()

    monkeypatch.setattr(site, "record", noting)
    done: list[str] = []
    async with (
        running_site(site) as (_server, url),
        XmlApiClient(url, ADMIN, clock=site.clock.now) as lister,
        XmlApiClient(url, ADMIN, clock=site.clock.now) as other,
    ):
        await lister.site_capabilities()  # so the listing below is one request
        now = site.clock.now()

        async def listing() -> None:
            await lister.list_sessions(start_from=now, start_to=now + timedelta(days=3))
            done.append("listing")

        task = asyncio.create_task(listing())
        await asked.wait()
        await other.meeting_types()
        done.append("types")
        await task
    assert done == ["types", "listing"]


async def test_the_command_line_seeds_a_large_site_and_sets_its_switches() -> None:
    args = _arguments(
        [
            "--sessions", "200", "--hosts", "10", "--live-share", "0.05",
            "--body-content-limit", "50", "--listing-latency", "0.3", "--foreign",
        ]
    )  # fmt: skip
    site = build_site(args)
    meetings = list(site.all_meetings())
    assert len(meetings) == 200 + 6  # and the example site's own
    assert sum(m.in_progress for m in meetings) == 10
    assert len({m.host for m in meetings}) == 10 + 3
    assert (site.body_content_limit, site.listing_latency, site.foreign_listings) == (
        50,
        0.3,
        True,
    )


async def test_a_limited_admin_is_blocked_where_the_bulk_site_lifts_the_limit() -> None:
    args = _arguments(
        ["--sessions", "600", "--body-content-limit", "50", "--limited-admin", "poller:pw2"]
    )
    site = build_site(args)
    refs = [SessionRef.by_key(m.key) for m in site.all_meetings()][:550]
    poller = Credentials(site_name=SITE_NAME, webex_id="poller", password="pw2")
    async with running_site(site) as (_server, url):
        async with XmlApiClient(url, poller) as client:
            assert len(await client.get_session_infos(refs[:500])) == 500
            with pytest.raises(SessionInfoBlockedError):
                await client.get_session_infos(refs[500:])
        async with XmlApiClient(url, ADMIN) as client:
            assert len(await client.get_session_infos(refs)) == 550


async def test_the_control_surface_counts_requests_by_operation(sim_http: ClientSession) -> None:
    site = _site()
    async with running_site(site) as (_server, url):
        async with XmlApiClient(url, ADMIN, clock=site.clock.now) as client:
            await client.site_capabilities()
            await client.list_open_sessions()
        base = url.split("/WBXService", 1)[0]
        async with sim_http.get(f"{base}/control/requests") as response:
            counts = await response.json()
    assert counts == {"http": 2, "items": {"getsite": 1, "lstopensession": 1}}
