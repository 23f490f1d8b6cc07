"""The REST client's endpoints against the REST simulator over loopback: the
exact bodies the site records, and the values the answers become."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.errors import RestApiError, RestNotFoundError
from adapters.webex.rest.client import MeetingFields, Tokens
from tests.restclient import client_on, paths
from tests.restsim import ADMIN, ALICE, ALICE_TOKEN, BOB, START, new_site, schedule

BERLIN = ZoneInfo("Europe/Berlin")


async def test_create_then_delete_sends_the_exact_fields() -> None:
    site = new_site()
    start = (START + timedelta(hours=2)).astimezone(BERLIN)
    fields = MeetingFields(
        title="Planning",
        start=start,
        end=start + timedelta(minutes=45),
        timezone="Europe/Berlin",
        enable_automatic_lock=True,
        automatic_lock_minutes=10,
        unlocked_meeting_join_security="allowJoinWithLobby",
        public_meeting=False,
        password="Xy12abcd",
        host_email=ALICE,
        site_url="acme.webex.com",
    )
    async with client_on(site) as webex:
        made = await webex.create_meeting(fields)
        fetched = await webex.get_meeting(made.id)
        await webex.delete_meeting(made.id, send_email=False)
        with pytest.raises(RestNotFoundError):
            await webex.delete_meeting(made.id)
        with pytest.raises(RestNotFoundError):
            await webex.get_meeting(made.id)
    assert json.loads(site.calls[0].body) == {
        "title": "Planning",
        "start": "2026-01-05T12:00:00+01:00",
        "end": "2026-01-05T12:45:00+01:00",
        "timezone": "Europe/Berlin",
        "enableAutomaticLock": True,
        "automaticLockMinutes": 10,
        "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
        "publicMeeting": False,
        "password": "Xy12abcd",
        "hostEmail": ALICE,
        "siteUrl": "acme.webex.com",
    }
    assert paths(site) == [
        "POST /v1/meetings",
        f"GET /v1/meetings/{made.id}",
        f"DELETE /v1/meetings/{made.id}",
        f"DELETE /v1/meetings/{made.id}",
        f"GET /v1/meetings/{made.id}",
    ]
    assert site.calls[2].query == "sendEmail=false"
    assert (made.meeting_type, made.state, made.title) == ("meetingSeries", "active", "Planning")
    assert made.start == START + timedelta(hours=2) and made.start.tzinfo is UTC
    assert made.end == START + timedelta(hours=2, minutes=45)
    assert made.host_email == ALICE and made.password == "Xy12abcd"
    assert (made.enable_automatic_lock, made.automatic_lock_minutes) == (True, 10)
    assert made.unlocked_meeting_join_security == "allowJoinWithLobby"
    assert made.public_meeting is False
    assert made.web_link and made.meeting_number
    assert fetched.id == made.id and fetched.title == "Planning"
    assert "Xy12abcd" not in repr(made)


async def test_update_puts_the_fields_and_returns_the_changed_meeting() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=60, title="Old")
    start = START + timedelta(hours=3)
    async with client_on(site, tokens=Tokens(access_token=ALICE_TOKEN)) as webex:
        changed = await webex.update_meeting(
            series.id, MeetingFields(title="New", start=start, end=start + timedelta(hours=1))
        )
    assert paths(site) == [f"PUT /v1/meetings/{series.id}"]
    assert json.loads(site.calls[0].body) == {
        "title": "New",
        "start": "2026-01-05T12:00:00+00:00",
        "end": "2026-01-05T13:00:00+00:00",
    }
    assert (changed.id, changed.title, changed.start) == (series.id, "New", start)


async def test_an_instance_cannot_be_changed() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    instance = site.start(series.id)
    start = START + timedelta(hours=3)
    fields = MeetingFields(title="x", start=start, end=start + timedelta(hours=1))
    async with client_on(site) as webex:
        with pytest.raises(RestApiError) as caught:
            await webex.update_meeting(instance.id, fields)
    assert caught.value.status == 400
    assert f"Meeting ID '{instance.id}' is not allowed for this API." in caught.value.descriptions


async def test_live_instances_and_their_participants() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5, title="Standup")
    site.lobby_join(series.id, BOB)
    site.host_joins(series.id)
    async with client_on(site) as webex:
        live = await webex.list_meetings(meeting_type="meeting", state="inProgress")
        (instance,) = live.items
        people = await webex.list_participants(instance.id, max_per_page=1)
    assert live.complete
    assert "_I_" in instance.id and instance.series_id == series.id
    assert (instance.meeting_type, instance.state, instance.end) == ("meeting", "inProgress", None)
    assert instance.host_did_join is True and instance.title == "Standup"
    assert people.complete and people.pages == 2
    by_email = {p.email: p for p in people.items}
    assert by_email[ALICE].host and by_email[ALICE].state == "joined"
    assert not by_email[BOB].host and by_email[BOB].state == "lobby"
    assert all(p.meeting_id == instance.id for p in people.items)
    assert by_email[BOB].joined_time == START and by_email[BOB].left_time is None
    assert site.calls[1].query == f"meetingId={instance.id}&max=1"


async def test_webhooks_are_created_listed_reactivated_and_deleted() -> None:
    site = new_site()
    async with client_on(site) as webex:
        made = await webex.create_webhook(
            name="meetbot meetings/started",
            target_url="https://bot.example/webex/webhooks",
            resource="meetings",
            event="started",
            secret="hook-secret",
            owned_by="org",
        )
        site.webhooks.get(made.id).status = "inactive"
        (listed,) = (await webex.list_webhooks(owned_by="org")).items
        revived = await webex.update_webhook(
            made.id, name=made.name, target_url=made.target_url, status="active"
        )
        fetched = await webex.get_webhook(made.id)
        await webex.delete_webhook(made.id)
        with pytest.raises(RestNotFoundError):
            await webex.delete_webhook(made.id)
        assert (await webex.list_webhooks()).items == ()
    assert json.loads(site.calls[0].body) == {
        "name": "meetbot meetings/started",
        "targetUrl": "https://bot.example/webex/webhooks",
        "resource": "meetings",
        "event": "started",
        "secret": "hook-secret",
        "ownedBy": "org",
    }
    assert json.loads(site.calls[2].body) == {
        "name": "meetbot meetings/started",
        "targetUrl": "https://bot.example/webex/webhooks",
        "status": "active",
    }
    assert "ownedBy=org" in site.calls[1].query
    assert (made.resource, made.event, made.owned_by, made.active) == (
        "meetings",
        "started",
        "org",
        True,
    )
    assert made.secret == "hook-secret" and "hook-secret" not in repr(made)
    assert listed.id == made.id and listed.status == "inactive" and not listed.active
    assert revived.active and fetched.active
    assert made.created == START


async def test_me_tells_the_admin_from_a_user() -> None:
    site = new_site()
    async with client_on(site) as webex:
        admin = await webex.me()
    async with client_on(site, tokens=Tokens(access_token=ALICE_TOKEN)) as webex:
        alice = await webex.me()
    assert (admin.email, admin.is_full_admin) == (ADMIN, True)
    assert (alice.email, alice.is_full_admin) == (ALICE, False)
    assert admin.id == site.person(ADMIN).person_id
    assert admin.org_id == alice.org_id is not None
