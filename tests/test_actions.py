"""Command actions against a recording Webex client and an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.chat import Reply
from adapters.errors import (
    CredentialsError,
    RateLimitedError,
    StartInPastError,
    WebexApiError,
    WebexTimeoutError,
)
from adapters.slack.mrkdwn import mrkdwn
from adapters.webex.memory import MemoryWebex
from adapters.webex.models import ExternalAttendeeSecurity
from adapters.webex.port import WebexMeetings
from bot.commands.actions import CommandActions, Requester
from bot.commands.grammar import Command, CommandError, parse
from state.model import EventKind
from state.store import Store
from tests.fakes.meetings import seed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ALICE = Requester(user_id="UALICE", channel_id="C1", tz="Europe/Berlin", email="Alice@acme.test")
BOB = Requester(user_id="UBOB", channel_id="C1", tz="UTC", email="bob@acme.test")


def said(reply: Reply) -> str:
    """What Slack shows the requester."""
    return mrkdwn(reply.body)


def announced(reply: Reply) -> str:
    """What Slack shows the channel ("" when nothing is announced)."""
    return mrkdwn(reply.announcement) if reply.announcement is not None else ""


def command(text: str) -> Command:
    parsed = parse(text)
    assert not isinstance(parsed, CommandError), parsed
    return parsed


@pytest.fixture
def webex() -> MemoryWebex:
    return MemoryWebex(clock=lambda: NOW, generated_password="s3cr&t<pw>")


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


@pytest.fixture
def actions(webex: MemoryWebex, store: Store) -> CommandActions:
    source: WebexMeetings = webex
    return CommandActions(webex=source, store=store, clock=lambda: NOW)


async def test_create_sends_every_option_and_the_requesters_zone(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    reply = await actions.run(
        command('create "Board <!channel>" at 10:30 for 90m private autolock 10 block'), ALICE
    )
    (request,) = webex.created
    assert request.title == "Board <!channel>"
    assert request.start == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
    assert request.zone == ZoneInfo("Europe/Berlin")  # the requester's zone
    assert request.duration_minutes == 90
    assert request.private and request.auto_lock_minutes == 10
    assert request.external_attendee_security is ExternalAttendeeSecurity.BLOCK_FROM_JOIN
    assert "s3cr&amp;t&lt;pw&gt;" in said(reply)
    assert "Tue 2026-12-01 10:30 CET" in said(reply)
    assert "900000001" in said(reply)
    assert reply.announcement is not None
    assert "s3cr" not in announced(reply)
    assert "Board" not in announced(reply) and "Private meeting" in announced(reply)


async def test_create_public_announcement_is_escaped(actions: CommandActions) -> None:
    reply = await actions.run(command("create Q&amp;A &lt;!channel&gt;"), BOB)
    assert reply.announcement is not None
    assert "<!channel>" not in announced(reply)
    assert "Q&amp;A &lt;!channel&gt;" in announced(reply)
    assert "s3cr" not in announced(reply)
    assert "&amp;site=acme|Join>" in announced(reply)


async def test_create_defaults_to_five_minutes_from_now(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    await actions.run(command("create Standup"), BOB)
    assert webex.created[0].start == NOW + timedelta(minutes=5)
    assert webex.created[0].duration_minutes == 60


async def test_create_at_a_past_time_is_refused_before_webex(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    reply = await actions.run(command("create Standup at 08:59"), ALICE)  # 07:59 UTC: past
    assert "already passed today" in said(reply)
    assert reply.announcement is None
    assert webex.calls == []


@pytest.mark.parametrize(
    ("error", "fragments"),
    [
        (StartInPastError("start time is in the past", detail="060016"), ["060016", "past"]),
        (
            CredentialsError("Incorrect user or password", detail="030002"),
            ["030002", "credentials"],
        ),
        (
            WebexApiError("999999", "Odd <thing>", operation="CreateMeeting"),
            ["999999", "Odd &lt;thing&gt;"],
        ),
        (WebexTimeoutError("timed out"), ["cannot tell whether the meeting was created"]),
    ],
)
async def test_webex_errors_become_sentences(
    actions: CommandActions, webex: MemoryWebex, error: Exception, fragments: list[str]
) -> None:
    webex.fail("create_meeting", error)
    reply = await actions.run(command("create Standup"), BOB)
    for fragment in fragments:
        assert fragment in said(reply)
    assert "Traceback" not in said(reply)
    assert reply.announcement is None


async def test_cancel_only_by_the_host(
    actions: CommandActions, webex: MemoryWebex, store: Store
) -> None:
    await seed(store, "123456789", now=NOW)
    webex.schedule(key="123456789", host="alice@acme.test")
    refused = await actions.run(command("cancel 123456789"), BOB)
    assert "Only the meeting's host" in said(refused)
    assert webex.deleted == []
    done = await actions.run(command("cancel 123456789"), ALICE)  # email case differs
    assert "Cancelled meeting 123456789" in said(done)
    assert webex.deleted == ["123456789"]


async def test_cancel_asks_webex_for_the_host_when_the_store_does_not_know(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    webex.schedule(key="555555555", host="bob@acme.test")
    assert "Cancelled" in said(await actions.run(command("cancel 555555555"), BOB))
    missing = await actions.run(command("cancel 666666666"), BOB)
    assert "no such meeting" in said(missing)
    assert webex.deleted == ["555555555"]


async def test_cancel_without_an_email_is_refused(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    reply = await actions.run(command("cancel 123456789"), Requester(user_id="U", channel_id="C"))
    assert "email" in said(reply)
    assert webex.calls == []


async def test_status_from_the_store_hides_private_titles_from_others(
    actions: CommandActions, store: Store, webex: MemoryWebex
) -> None:
    await seed(store, "1234567", now=NOW, title="Layoffs", private=True, in_progress=True)
    assert "Layoffs" not in said(await actions.run(command("status 1234567"), BOB))
    own = said(await actions.run(command("status 1234567"), ALICE))
    assert "Layoffs" in own and "live" in own
    assert webex.calls == []


async def test_status_falls_back_to_session_info(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    webex.schedule(key="7654321", title="Retro")
    webex.attendee_joins("7654321")
    text = said(await actions.run(command("status 7654321"), BOB))
    assert "Retro" in text and "waiting for the host" in text


async def test_subscribe_list_and_unsubscribe(actions: CommandActions, store: Store) -> None:
    assert "follows nothing" in said(await actions.run(command("subscriptions"), BOB))
    await actions.run(command("subscribe host alice events started,ended"), BOB)
    await actions.run(command("subscribe meeting 123456789"), BOB)
    (sub, _) = await store.subscriptions("C1")
    assert sub.kinds == frozenset({EventKind.STARTED, EventKind.ENDED})
    assert sub.target == "alice"
    listing = said(await actions.run(command("subscriptions"), BOB))
    assert (
        "hosted by alice (ended, started)" in listing
        and "meeting 123456789 (all events)" in listing
    )
    assert "Unsubscribed" in said(await actions.run(command("unsubscribe host alice"), BOB))
    assert "was not subscribed" in said(await actions.run(command("unsubscribe host alice"), BOB))


@pytest.mark.parametrize(
    ("first", "again", "reply"),
    [
        (
            "subscribe all",
            "subscribe all events started",
            "followed every meeting on the site with all events; now with started only.",
        ),
        (
            "subscribe host alice events started",
            "subscribe host alice events ended,started",
            "followed meetings hosted by alice with started; now with ended, started only.",
        ),
        (
            "subscribe all events started",
            "subscribe all",
            "followed every meeting on the site with started; now with all events.",
        ),
        (
            "subscribe all events started",
            "subscribe all events started",
            "already follows every meeting on the site (started); nothing changed.",
        ),
        ("subscribe all", "subscribe host alice", "now follows meetings hosted by alice"),
    ],
)
async def test_subscribing_again_says_what_changed(
    actions: CommandActions, first: str, again: str, reply: str
) -> None:
    await actions.run(command(first), BOB)
    assert reply in said(await actions.run(command(again), BOB))


async def test_subscribing_again_resumes_a_paused_subscription(
    actions: CommandActions, store: Store
) -> None:
    await actions.run(command("subscribe all"), BOB)
    await store.disable_destination("C1", "channel_not_found")
    text = said(await actions.run(command("subscribe all events started"), BOB))
    assert text == (
        "This channel follows every meeting on the site again (started, before: all events); "
        "it was paused: channel_not_found."
    )
    (sub,) = await store.subscriptions("C1")
    assert sub.enabled and sub.kinds == frozenset({EventKind.STARTED})


async def test_list_shows_the_channels_live_and_upcoming_meetings(
    actions: CommandActions, store: Store
) -> None:
    await seed(store, "1111111", now=NOW, in_progress=True, start=NOW - timedelta(hours=3))
    await seed(store, "2222222", now=NOW, host_id="carol", host_email="carol@acme.test")
    await seed(store, "3333333", now=NOW, start=NOW + timedelta(days=2))
    await seed(store, "4444444", now=NOW, gone=True)
    await actions.run(command("subscribe host alice"), BOB)
    text = said(await actions.run(command("list"), BOB))
    assert "1111111" in text
    assert "2222222" not in text  # another host
    assert "3333333" not in text  # beyond 24 h
    assert "4444444" not in text  # cancelled
    assert ":red_circle: live" in text


async def test_list_without_subscriptions_shows_the_requesters_own(
    actions: CommandActions, store: Store
) -> None:
    await seed(store, "2222222", now=NOW, host_email="bob@acme.test", title="Bob's 1:1")
    await seed(store, "1111111", now=NOW)
    text = said(await actions.run(command("list"), BOB))
    assert "2222222" in text and "1111111" not in text
    assert "nothing" not in text
    empty = said(await actions.run(command("list"), Requester(user_id="U", channel_id="C9")))
    assert "No live or upcoming" in empty


#: users.info failed: no zone, no email.
UNREAD = Requester(user_id="UBOB", channel_id="C1", tz=None, profile_read=False)
#: The profile was read but names no zone.
ZONELESS = Requester(user_id="UBOB", channel_id="C1", tz=None, email="bob@acme.test")


async def test_without_a_profile_the_commands_that_need_none_still_work(
    actions: CommandActions, store: Store, webex: MemoryWebex
) -> None:
    assert "now follows every meeting" in said(await actions.run(command("subscribe all"), UNREAD))
    assert "every meeting on the site" in said(await actions.run(command("subscriptions"), UNREAD))
    await seed(store, "1111111", now=NOW, in_progress=True, start=NOW - timedelta(hours=1))
    listing = said(await actions.run(command("list"), UNREAD))
    assert "1111111" in listing and "07:00 UTC" in listing
    assert listing.endswith("_Times are in UTC: I could not read your Slack profile._")
    status = said(await actions.run(command("status 1111111"), UNREAD))
    assert "1111111" in status and "Times are in UTC" in status
    assert "Unsubscribed" in said(await actions.run(command("unsubscribe all"), UNREAD))
    assert webex.calls == []


@pytest.mark.parametrize(
    ("text", "what"),
    [("create Sync", "creating a meeting"), ("cancel 1111111", "cancelling a meeting")],
)
async def test_without_a_profile_create_and_cancel_say_why_they_wait(
    actions: CommandActions, webex: MemoryWebex, text: str, what: str
) -> None:
    reply = said(await actions.run(command(text), UNREAD))
    assert "could not read your Slack profile" in reply and what in reply
    assert webex.calls == []


async def test_a_profile_without_a_zone_creates_in_utc_and_says_so(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    reply = await actions.run(command("create Sync at 12:00"), ZONELESS)
    assert "Tue 2026-12-01 12:00 UTC" in said(reply)
    assert said(reply).endswith("_Times are in UTC: your Slack profile names no time zone._")
    assert reply.announcement is not None and "Times are in UTC" not in announced(reply)
    past = await actions.run(command("create Sync at 07:00"), ZONELESS)
    assert "already passed today (UTC)" in said(past) and "Times are in UTC" in said(past)


async def test_a_zone_unknown_here_is_named(actions: CommandActions, store: Store) -> None:
    await seed(store, "1111111", now=NOW, in_progress=True, start=NOW - timedelta(hours=1))
    odd = Requester(user_id="UBOB", channel_id="C1", tz="Mars/Olympus", email="bob@acme.test")
    status = said(await actions.run(command("status 1111111"), odd))
    assert "your Slack time zone Mars/Olympus is unknown here" in status


async def test_a_known_zone_adds_no_note(actions: CommandActions, store: Store) -> None:
    await seed(store, "1111111", now=NOW, in_progress=True, start=NOW - timedelta(hours=1))
    assert "Times are in UTC" not in said(await actions.run(command("status 1111111"), BOB))


async def test_help(actions: CommandActions) -> None:
    assert "Usage" in said(await actions.run(command("help"), BOB))


async def test_status_uses_get_meeting_while_session_info_is_blocked(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    webex.fail("live_state", RateLimitedError("blocked", until=NOW + timedelta(hours=2)))
    webex.schedule(key="8888888", title="Secret", private=True, start=NOW, duration_minutes=15)
    text = said(await actions.run(command("status 8888888"), BOB))
    assert "Private meeting" in text and "Secret" not in text
    assert "live state unavailable" in text
    assert [op for op, _ in webex.calls] == ["live_state", "get_meeting"]
