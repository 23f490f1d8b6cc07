"""End to end: signed /webex commands -> bot -> XmlApiClient -> the Webex simulator.

What the simulator stored (and recorded) is the proof of what Webex was asked;
what the fake Slack's response URL received is the proof of what people saw.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.slack.mrkdwn import mrkdwn
from adapters.webex.models import ExternalAttendeeSecurity
from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from bot.commands.actions import CommandActions, Requester
from bot.commands.model import CancelCommand, StatusCommand
from state.model import Authority, Observation, Rules
from state.store import Store
from tests.fakes.sim import ADMIN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_bot import SlackBot, running_bot

Bot = SlackBot[XmlApiClient]


@pytest.fixture
async def bot(
    fake_slack: FakeSlack, sqlite_store: Store, sim_url: str, sim_clock: SimClock
) -> AsyncIterator[Bot]:
    # Slack users carry the simulator's emails, so host checks can match.
    fake_slack.add_user("UADMIN", name="Admin", email="admin@acme.example", tz="Europe/Berlin")
    fake_slack.add_user("UALICE", name="Alice", email="alice@acme.example", tz="America/New_York")
    fake_slack.add_user("UBOB", name="Bob", email="bob@acme.example", tz="UTC")
    async with (
        XmlApiClient(sim_url, ADMIN, clock=sim_clock.now) as webex,
        running_bot(fake_slack, webex, sqlite_store, clock=sim_clock.now) as running,
    ):
        yield running


def created_key(bot: Bot, site: SimulatedSite) -> str:
    (meeting,) = [m for m in site.meetings() if m.host == "admin"]
    return meeting.key


async def test_private_auto_locking_meeting_reaches_webex_with_its_options(
    bot: Bot, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    await bot.command(
        'create "Board <!channel>" in 30m for 45m private autolock 10 lobby', user="UADMIN"
    )
    await bot.tasks.join()
    meeting = sim_site.meeting(created_key(bot, sim_site))
    assert meeting.title == "Board <!channel>"
    assert meeting.private
    assert meeting.auto_lock and meeting.auto_lock_minutes == 10
    assert meeting.external_attendee_security is ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY
    assert meeting.duration_minutes == 45
    assert abs(meeting.start - (sim_clock.now() + timedelta(minutes=30))) < timedelta(minutes=1)
    assert meeting.time_zone_id == 25  # the requester's Europe/Berlin
    assert sim_site.request_count("CreateMeeting") == 1

    (private, public) = bot.answers()
    assert private[0] == "ephemeral"
    assert meeting.password and meeting.password in private[1].replace("&amp;", "&")
    assert meeting.key in private[1]
    assert public[0] == "in_channel"
    assert meeting.password not in public[1]
    assert "Board" not in public[1] and "Private meeting" in public[1]
    # Nothing else the bot sent to Slack carried it either.
    assert all(meeting.password not in json.dumps(call.body) for call in bot.slack.calls)


async def test_public_title_is_escaped_in_the_channel(bot: Bot, sim_site: SimulatedSite) -> None:
    await bot.command("create Launch <!channel> & <@U999> in 2h block", user="UADMIN")
    await bot.tasks.join()
    meeting = sim_site.meeting(created_key(bot, sim_site))
    assert meeting.title == "Launch <!channel> & <@U999>"
    assert meeting.external_attendee_security is ExternalAttendeeSecurity.BLOCK_FROM_JOIN
    assert not meeting.private
    (_, public) = bot.answers()
    assert "<!channel>" not in public[1] and "<@U999>" not in public[1]
    assert "Launch &lt;!channel&gt; &amp; &lt;@U999&gt;" in public[1]
    assert meeting.password is None or meeting.password not in public[1]


@pytest.mark.parametrize(
    "text",
    [
        "create",
        "create x autolock 7",
        "create x at 25:00",
        "cancel abc",
        "subscribe nobody",
        'create "unclosed',
        "create x for 0m",
        "frobnicate",
    ],
)
async def test_invalid_commands_never_reach_webex(
    bot: Bot, sim_site: SimulatedSite, text: str
) -> None:
    response = await bot.command(text, user="UADMIN")
    assert response.status == 200
    await bot.tasks.join()
    assert sim_site.request_count() == 0
    assert bot.slack.calls_to("users.info") == []


async def test_a_past_at_time_is_refused_before_webex(
    bot: Bot, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    # The simulation starts 09:00 UTC = 10:00 in Berlin; 09:30 there has passed.
    await bot.command("create Late at 09:30", user="UADMIN")
    await bot.tasks.join()
    assert "already passed today" in bot.answers()[0][1]
    assert sim_site.request_count("CreateMeeting") == 0


async def test_only_the_host_may_cancel(bot: Bot, sim_site: SimulatedSite) -> None:
    (weekly,) = [m for m in sim_site.meetings() if m.title == "Weekly sync"]
    await bot.command(f"cancel {weekly.key}", user="UBOB")
    await bot.tasks.join()
    assert "Only the meeting's host" in bot.answers()[-1][1]
    assert sim_site.request_count("DelMeeting") == 0

    await bot.command(f"cancel {weekly.key}", user="UALICE")
    await bot.tasks.join()
    assert f"Cancelled meeting {weekly.key}" in bot.answers()[-1][1]
    assert sim_site.request_count("DelMeeting") == 1
    with pytest.raises(KeyError):
        sim_site.meeting(weekly.key)


async def test_status_of_a_live_meeting_from_webex(bot: Bot, sim_site: SimulatedSite) -> None:
    (weekly,) = [m for m in sim_site.meetings() if m.title == "Weekly sync"]
    sim_site.start(weekly.key)
    sim_site.attendee_joins(weekly.key)
    await bot.command(f"status {weekly.key}", user="UBOB")
    await bot.tasks.join()
    text = bot.answers()[-1][1]
    assert "live" in text and "waiting for the host" in text


async def test_webex_failures_are_sentences_with_the_exception_id(
    bot: Bot, sim_site: SimulatedSite
) -> None:
    sim_site.faults.inject("CreateMeeting", "rate_limit")
    await bot.command("create Standup", user="UADMIN")
    await bot.tasks.join()
    (answer,) = bot.answers()
    assert answer[0] == "ephemeral"
    assert "000045" in answer[1] and "Traceback" not in answer[1]


async def test_unknown_meeting_status(bot: Bot) -> None:
    await bot.command("status 999999999", user="UBOB")
    await bot.tasks.join()
    assert "no such meeting" in bot.answers()[-1][1]


async def test_a_known_host_creates_under_their_own_account_and_may_cancel(
    bot: Bot, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    """Once the listings have shown the store alice's webExID and email, alice's
    /webex create schedules the meeting for her, so she is its host and her
    /webex cancel is allowed."""
    (weekly,) = [m for m in sim_site.meetings() if m.title == "Weekly sync"]
    await bot.store.observe(
        [
            Observation(
                key=weekly.key,
                authority=Authority.SCHEDULE,
                host_id="alice",
                host_email="alice@acme.example",
                start=weekly.start,
                duration_minutes=weekly.duration_minutes,
                in_progress=False,
            )
        ],
        now=sim_clock.now(),
        rules=Rules(),
    )
    await bot.command('create "Alice plans" in 1h', user="UALICE")
    await bot.tasks.join()
    (mine,) = [m for m in sim_site.meetings() if m.title == "Alice plans"]
    assert mine.host == "alice"

    # Bob is not her; the bot's own account would not be either.
    await bot.command(f"cancel {mine.key}", user="UBOB")
    await bot.tasks.join()
    assert "Only the meeting's host" in bot.answers()[-1][1]
    await bot.command(f"cancel {mine.key}", user="UALICE")
    await bot.tasks.join()
    assert f"Cancelled meeting {mine.key}" in bot.answers()[-1][1]


async def test_commands_pay_getsessioninfo_from_the_watchers_budget(
    sqlite_store: Store, sim_url: str, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    """With the hourly budget spent, /webex status answers from GetMeeting and
    /webex cancel declines, instead of pushing the account into the site's
    two-hour 403 block."""
    (weekly,) = [m for m in sim_site.meetings() if m.title == "Weekly sync"]
    requester = Requester(user_id="UALICE", channel_id="C1", email="alice@acme.example")
    async with XmlApiClient(sim_url, ADMIN, clock=sim_clock.now) as webex:
        actions = CommandActions(
            webex=webex, store=sqlite_store, clock=sim_clock.now, budget=SessionInfoBudget(hourly=0)
        )
        status = await actions.run(StatusCommand(key=weekly.key), requester)
        cancel = await actions.run(CancelCommand(key=weekly.key), requester)
    assert "Weekly sync" in mrkdwn(status.body)
    assert "this hour's Webex lookups" in mrkdwn(cancel.body)
    assert sim_site.request_count("GetSessionInfo") == 0
    assert sim_site.request_count("GetMeeting") == 1
    assert sim_site.request_count("DelMeeting") == 0
