"""Deadlines against a site that trickles its answers (the simulator's
``trickle`` fault: one byte at a time, never pausing long enough for a
per-read timeout): a trickling request is cut at its deadline, and a slash
command queued behind it on the account's one lane still gets its answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.errors import WebexTimeoutError
from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import XmlApiClient
from adapters.webex.xmlapi.transport import HttpSettings
from state.store import Store
from tests.fakes.sim import ADMIN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_bot import SlackBot, running_bot

#: Deadlines shrunk so the test takes seconds; the trickle would take minutes.
CONNECT, READ, PAGE = 1.0, 1.0, 1.5
DRIP = 0.05  # seconds per byte


@pytest.mark.parametrize(
    ("page", "total"),
    [(False, 15.0), (True, 25.0)],  # was 65 s for every request
)
def test_the_default_deadlines_are_sized_to_the_api(page: bool, total: float) -> None:
    timeout = HttpSettings(url="https://x.test/", max_body_bytes=1).timeout(page=page)
    assert (timeout.connect, timeout.total) == (5.0, total)
    assert timeout.sock_read is not None and timeout.sock_read < total


@pytest.fixture
async def client(sim_url: str, sim_clock: SimClock) -> AsyncIterator[XmlApiClient]:
    async with XmlApiClient(
        sim_url,
        ADMIN,
        clock=sim_clock.now,
        connect_timeout=CONNECT,
        read_timeout=READ,
        page_read_timeout=PAGE,
    ) as c:
        await c.site_capabilities()  # signed in before the trickle starts
        yield c


async def listing(client: XmlApiClient, sim_clock: SimClock, *, in_progress_only: bool) -> None:
    now = sim_clock.now()
    await client.list_sessions(
        start_from=now - timedelta(days=1),
        start_to=now + timedelta(days=1),
        in_progress_only=in_progress_only,
    )


@pytest.mark.parametrize(("in_progress_only", "deadline"), [(True, "2 s"), (False, "2.5 s")])
async def test_a_trickling_answer_is_cut_at_its_deadline(
    client: XmlApiClient,
    sim_site: SimulatedSite,
    sim_clock: SimClock,
    in_progress_only: bool,
    deadline: str,
) -> None:
    sim_site.faults.inject("LstsummarySession", "trickle", seconds=DRIP)
    with pytest.raises(WebexTimeoutError, match=f"within {deadline}"):
        await listing(client, sim_clock, in_progress_only=in_progress_only)
    await listing(client, sim_clock, in_progress_only=in_progress_only)  # the lane is free again


async def test_a_command_behind_a_trickling_poll_still_answers(
    client: XmlApiClient,
    sim_site: SimulatedSite,
    sim_clock: SimClock,
    fake_slack: FakeSlack,
    sqlite_store: Store,
) -> None:
    fake_slack.add_user("UALICE", name="Alice", email="alice@acme.example", tz="UTC")
    meeting = sim_site.meetings()[0]
    sim_site.faults.inject("LstsummarySession", "trickle", seconds=DRIP)
    bot: SlackBot[XmlApiClient]
    async with running_bot(fake_slack, client, sqlite_store, clock=sim_clock.now) as bot:
        poll = asyncio.create_task(listing(client, sim_clock, in_progress_only=True))
        for _ in range(500):  # until the poll holds the lane, trickling
            if sim_site.request_count("LstsummarySession"):
                break
            await asyncio.sleep(0.01)
        response = await bot.command(f"status {meeting.key}")
        assert response.status == 200  # acknowledged at once, as Slack requires
        await bot.tasks.join()
        with pytest.raises(WebexTimeoutError):
            await poll
    (answer,) = bot.answers()
    assert meeting.key in answer[1] and "did not answer" not in answer[1]
    # The command's request went out after the poll's, on the lane the poll freed.
    asked = [r.operation_names for r in sim_site.requests]
    listed = next(i for i, ops in enumerate(asked) if "LstsummarySession" in ops)
    assert any("GetSessionInfo" in ops for ops in asked[listed + 1 :])
