"""Injected faults, the request record and the JSON control surface."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import ClientSession, ClientTimeout
from aiohttp.test_utils import TestServer
from lxml import etree

from adapters.webex.simulator import SimulatedSite
from tests.simxml import PARSER, E, call, content, message, post


def _info(site: SimulatedSite) -> bytes:
    return message(content("ep.GetSessionInfo", E.sessionKey(site.meetings()[0].key)))


@pytest.mark.parametrize(("kind", "status"), [("http500", 500), ("http403", 403)])
async def test_http_faults_apply_once_to_their_operation(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite, kind: str, status: int
) -> None:
    sim_site.faults.inject(operation="GetSessionInfo", kind=kind)
    other = message(content("site.GetSite"))
    assert [
        (await post(sim_http, sim_url, other))[0],
        (await post(sim_http, sim_url, _info(sim_site)))[0],
        (await post(sim_http, sim_url, _info(sim_site)))[0],
    ] == [200, status, 200]


@pytest.mark.parametrize("kind", ["malformed", "truncated", "empty"])
async def test_broken_bodies(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite, kind: str
) -> None:
    sim_site.faults.inject(kind=kind)
    status, raw = await post(sim_http, sim_url, _info(sim_site))
    assert status == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(raw, PARSER)


async def test_rate_limit_fault_fails_every_item(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    sim_site.faults.inject(operation="*", kind="rate_limit", times=2)
    request = message(content("site.GetSite"), content("site.GetSite"))
    first = await call(sim_http, sim_url, request)
    second = await call(sim_http, sim_url, request)
    third = await call(sim_http, sim_url, request)
    assert {i.exception_id for i in first + second} == {"000045"}
    assert {i.result for i in third} == {"SUCCESS"}
    assert sim_site.faults.pending == 0


async def test_timeout_outlasts_the_client(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    sim_site.faults.inject(kind="timeout", seconds=5)
    with pytest.raises(asyncio.TimeoutError):
        await sim_http.post(sim_url, data=_info(sim_site), timeout=ClientTimeout(total=0.2))


async def test_latency_then_a_normal_answer(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    sim_site.faults.inject(kind="latency", seconds=0.05)
    (item,) = await call(sim_http, sim_url, _info(sim_site))
    assert item.result == "SUCCESS"


async def test_requests_are_recorded_in_order(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    await call(
        sim_http,
        sim_url,
        message(content("ep.getsessioninfo", E.sessionKey("1")), content("site.GetSite")),
    )
    await call(
        sim_http,
        sim_url,
        message(content("ep.LstsummarySession"), webex_id="alice", password="alice-pass"),
    )
    first, second = sim_site.requests
    assert first.operation_names == ("GetSessionInfo", "GetSite")
    assert (first.body_content_count, first.account) == (2, "admin")
    assert second.account == "alice"
    assert b"LstsummarySession" in second.raw
    assert sim_site.request_count() == 2
    assert sim_site.request_count("GetSessionInfo") == 1
    assert sim_site.request_count("DelMeeting") == 0


async def test_control_endpoint_drives_the_site(
    sim_http: ClientSession, sim_server: TestServer, sim_site: SimulatedSite
) -> None:
    async def control(action: str, **args: object) -> tuple[int, dict[str, object]]:
        async with sim_http.post(sim_server.make_url(f"/control/{action}"), json=args) as response:
            return response.status, await response.json()

    status, scheduled = await control(
        "schedule", host="alice", title="From JSON", start="2026-01-05T12:00:00+00:00"
    )
    assert status == 200
    key = str(scheduled["key"])
    for action in ("start", "host_joins", "lock"):
        assert (await control(action, key=key))[0] == 200
    status, joined = await control("attendee_joins", key=key, count=3)
    meeting = joined["meeting"]
    assert isinstance(meeting, dict)
    assert (meeting["status"], meeting["attendees"], meeting["locked"]) == ("INPROGRESS", 3, True)
    assert (await control("advance", seconds=3600))[1]["now"] == "2026-01-05T10:00:00+00:00"
    assert (await control("fault", operation="GetSite", kind="http500"))[0] == 200
    assert sim_site.faults.pending == 1
    assert (await control("clear_faults"))[0] == 200
    assert (await control("end", key="0"))[0] == 404
    assert (await control("teleport"))[0] == 400
    assert (await control("speed", speed=-1))[0] == 400
    async with sim_http.post(
        sim_server.make_url("/control"), json={"action": "end", "key": key}
    ) as r:
        assert r.status == 200
    async with sim_http.get(sim_server.make_url("/control/meetings")) as response:
        listed = await response.json()
    assert key in {m["key"] for m in listed["meetings"]}
    assert all("password" not in m for m in listed["meetings"])
