"""The REST backend's commands half (adapters/webex/rest/meetings.py) against the
REST simulator: the exact fields of a create, get, update, delete, live state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.errors import NotFoundError, StartInPastError
from adapters.webex.models import ExternalAttendeeSecurity, MeetingRequest
from adapters.webex.rest.client import RestClient, RestSettings, Tokens
from adapters.webex.rest.index import MeetingIndex
from adapters.webex.rest.meetings import RestMeetings
from adapters.webex.rest.simulator import RestSite
from tests.restsim import ADMIN_TOKEN, ALICE, BOB, new_site, running

PARIS = ZoneInfo("Europe/Paris")


@asynccontextmanager
async def meetings(site: RestSite) -> AsyncIterator[RestMeetings]:
    async with running(site) as api:
        client = RestClient(
            Tokens(access_token=ADMIN_TOKEN), settings=RestSettings(base_url=api.base)
        )
        backend = RestMeetings(client, MeetingIndex(), site_url="acme.webex.com")
        try:
            yield backend
        finally:
            await backend.close()


def posted(site: RestSite) -> dict[str, object]:
    (call,) = [c for c in site.calls if (c.method, c.path) == ("POST", "/v1/meetings")]
    body: dict[str, object] = json.loads(call.body)
    return body


async def test_a_private_autolocking_meeting_is_created_with_the_exact_fields() -> None:
    site = new_site()
    start = site.clock.now().astimezone(PARIS) + timedelta(hours=1)
    async with meetings(site) as webex:
        made = await webex.create_meeting(
            MeetingRequest(
                title="Board",
                start=start,
                duration_minutes=45,
                zone=PARIS,
                private=True,
                auto_lock_minutes=10,
                external_attendee_security=ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY,
                host=ALICE,
            )
        )
        assert posted(site) == {
            "title": "Board",
            "start": "2026-01-05T11:00:00+01:00",
            "end": "2026-01-05T11:45:00+01:00",
            "timezone": "Europe/Paris",
            "enableAutomaticLock": True,
            "automaticLockMinutes": 10,
            "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
            "publicMeeting": False,
            "hostEmail": ALICE,
            "siteUrl": "acme.webex.com",
        }
        (series,) = site.all_series()
        assert made.meeting_key == series.meeting_number
        assert made.meeting_uuid == series.id
        assert made.password == series.password
        details = await webex.get_meeting(made.meeting_key)
        assert (details.title, details.host, details.is_private) == ("Board", ALICE, True)
        assert (details.duration_minutes, details.auto_lock, details.auto_lock_minutes) == (
            45,
            True,
            10,
        )
        assert details.external_attendee_security is ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY
        assert details.start == start


async def test_a_plain_meeting_leaves_the_options_to_the_site() -> None:
    site = new_site()
    async with meetings(site) as webex:
        await webex.create_meeting(
            MeetingRequest(title="Sync", start=site.clock.now() + timedelta(minutes=5))
        )
    body = posted(site)
    assert body["enableAutomaticLock"] is False
    assert "publicMeeting" not in body and "unlockedMeetingJoinSecurity" not in body
    assert body["timezone"] == "UTC"


async def test_a_start_in_the_past_is_typed() -> None:
    site = new_site()
    async with meetings(site) as webex:
        with pytest.raises(StartInPastError):
            await webex.create_meeting(
                MeetingRequest(title="Late", start=site.clock.now() - timedelta(hours=1))
            )


async def test_update_and_delete_then_the_meeting_is_gone() -> None:
    site = new_site()
    start = site.clock.now() + timedelta(hours=2)
    async with meetings(site) as webex:
        made = await webex.create_meeting(MeetingRequest(title="Sync", start=start, host=ALICE))
        await webex.update_meeting(
            made.meeting_key,
            MeetingRequest(title="Sync (moved)", start=start + timedelta(hours=1), host=ALICE),
        )
        moved = await webex.get_meeting(made.meeting_key)
        assert (moved.title, moved.start) == ("Sync (moved)", start + timedelta(hours=1))
        await webex.delete_meeting(made.meeting_key)
        with pytest.raises(NotFoundError):
            await webex.delete_meeting(made.meeting_key)
        with pytest.raises(NotFoundError):
            await webex.get_meeting(made.meeting_key)


async def test_a_key_nobody_has_seen_is_not_found() -> None:
    async with meetings(new_site()) as webex:
        with pytest.raises(NotFoundError):
            await webex.live_state("123456789")


async def test_the_live_state_says_who_is_in() -> None:
    site = new_site()
    async with meetings(site) as webex:
        made = await webex.create_meeting(
            MeetingRequest(
                title="Standup", start=site.clock.now() + timedelta(minutes=5), host=ALICE
            )
        )
        idle = await webex.live_state(made.meeting_key)
        assert (idle.in_progress, idle.host_present, idle.title) == (False, None, "Standup")
        (series,) = site.all_series()
        site.join(series.id, BOB)
        waiting = await webex.live_state(made.meeting_key)
        assert (waiting.in_progress, waiting.host_present, waiting.attendees_present) == (
            True,
            False,
            True,
        )
        assert waiting.attendees_waiting
        site.host_joins(series.id)
        hosted = await webex.live_state(made.meeting_key)
        assert (hosted.host_present, hosted.attendees_waiting) == (True, False)
        assert (await webex.capabilities()).private_meetings
