"""The REST site simulator's meetings API over loopback HTTP: create, read,
change, delete, the state machine of series, occurrences and instances,
participants, and the listing lag."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

from tests.restsim import ADMIN, ALICE, ALICE_TOKEN, BOB, check_schema, new_site, running, schedule

# Fields Cisco documents as absent from an ended instance.
ENDED_ABSENT = ("password", "hostKey", "telephony")


async def test_create_as_admin_for_a_host_echoes_the_fields_and_fits_the_schema() -> None:
    site = new_site()
    async with running(site) as api:
        body = {
            "title": "Planning",
            "start": "2026-01-05T11:00:00+01:00",
            "end": "2026-01-05T12:30:00+01:00",
            "timezone": "Europe/Berlin",
            "enableAutomaticLock": True,
            "automaticLockMinutes": 5,
            "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
            "publicMeeting": False,
            "hostEmail": ALICE,
        }
        made = await api.json("POST", "meetings", json=body)
    check_schema(made, "MeetingSeriesObject")
    (call,) = site.calls
    assert (call.method, call.path, json.loads(call.body)) == ("POST", "/v1/meetings", body)
    assert call.authorization == "Bearer T"
    assert made["meetingType"] == "meetingSeries" and made["state"] == "active"
    assert made["hostEmail"] == ALICE and made["title"] == "Planning"
    assert (made["start"], made["end"]) == ("2026-01-05T10:00:00Z", "2026-01-05T11:30:00Z")
    assert made["timezone"] == "Europe/Berlin"
    assert made["enableAutomaticLock"] is True and made["automaticLockMinutes"] == 5
    assert made["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
    assert made["publicMeeting"] is False
    assert re.fullmatch(r"[0-9a-f]{32}", made["id"])
    assert re.fullmatch(
        r"https://acme\.webex\.com/acme/j\.php\?MTID=m[0-9a-f]{32}", made["webLink"]
    )
    assert made["sipAddress"] == f"{made['meetingNumber']}@acme.webex.com"
    password = made["password"]
    assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)


async def test_create_truncates_seconds_and_moves_a_start_in_this_minute() -> None:
    site = new_site()  # now is 09:00:00
    async with running(site) as api:
        made = await api.json(
            "POST", "meetings",
            json={"title": "Now", "start": "2026-01-05T09:00:40Z", "end": "2026-01-05T09:30:59Z"},
        )  # fmt: skip
    assert (made["start"], made["end"]) == ("2026-01-05T09:01:00Z", "2026-01-05T09:30:00Z")
    assert made["hostEmail"] == ADMIN


async def test_create_refuses_broken_bodies_with_cisco_errors() -> None:
    site = new_site()
    good = {"title": "T", "start": "2026-01-05T10:00:00Z", "end": "2026-01-05T11:00:00Z"}
    broken = [
        {**good, "start": "2026-01-05T08:00:00Z"},
        {**good, "end": "2026-01-05T10:05:00Z"},
        {**good, "end": "2026-01-06T10:01:00Z"},
        {k: v for k, v in good.items() if k != "title"},
        {**good, "unlockedMeetingJoinSecurity": "letEveryoneIn"},
        {**good, "timezone": "Mars/Olympus"},
        {**good, "enableAutomaticLock": "yes"},
        {**good, "hostEmail": "nobody@elsewhere.example"},
    ]
    async with running(site) as api:
        for body in broken:
            answer = await api.json("POST", "meetings", json=body, status=400)
            assert set(answer) == {"message", "errors", "trackingId"}, body
            assert answer["errors"][0]["description"]
        # A user may not schedule for someone else.
        await api.json("POST", "meetings", json={**good, "hostEmail": BOB}, token=ALICE_TOKEN,
                       status=400)  # fmt: skip
    assert site.all_series() == []


async def test_user_tokens_see_only_their_own_meetings() -> None:
    site = new_site()
    mine = schedule(site, ALICE)
    theirs = schedule(site, ADMIN)
    async with running(site) as api:
        listed = await api.json("GET", "meetings", token=ALICE_TOKEN)
        assert [m["id"] for m in listed["items"]] == [mine.id]
        await api.json("GET", f"meetings/{theirs.id}", token=ALICE_TOKEN, status=404)
        await api.json("DELETE", f"meetings/{theirs.id}", token=ALICE_TOKEN, status=404)
        await api.json("GET", "meetings", params={"hostEmail": ADMIN}, token=ALICE_TOKEN,
                       status=403)  # fmt: skip
        # The admin lists its own series, and a host's through hostEmail.
        own = await api.json("GET", "meetings")
        assert [m["id"] for m in own["items"]] == [theirs.id]
        hosts = await api.json("GET", "meetings", params={"hostEmail": ALICE})
        assert [m["id"] for m in hosts["items"]] == [mine.id]
        got = await api.json("GET", f"meetings/{mine.id}")
    for item in listed["items"] + own["items"]:
        check_schema(item, "MeetingObjectForListMeeting")
    check_schema(got, "MeetingSeriesObject")


async def test_occurrences_follow_the_recurrence_and_their_states() -> None:
    site = new_site()
    series = schedule(site, ALICE, recurrence="FREQ=DAILY;INTERVAL=1;COUNT=3")
    query = {"meetingType": "scheduledMeeting", "hostEmail": ALICE}
    async with running(site) as api:
        first = await api.json("GET", "meetings", params=query)
        site.clock.advance(timedelta(hours=2, minutes=1))  # the first one passed, unstarted
        later = await api.json("GET", "meetings", params={**query, "from": "2026-01-05T00:00:00Z"})
        series_now = await api.json("GET", f"meetings/{series.id}")
    assert [o["state"] for o in first["items"]] == ["ready", "scheduled", "scheduled"]
    assert [o["id"] for o in first["items"]] == [
        f"{series.id}_20260105T100000Z",
        f"{series.id}_20260106T100000Z",
        f"{series.id}_20260107T100000Z",
    ]
    assert all(o["meetingSeriesId"] == series.id for o in first["items"])
    assert [o["state"] for o in later["items"]] == ["missed", "ready", "scheduled"]
    assert series_now["state"] == "active" and series_now["recurrence"].startswith("FREQ=DAILY")
    for item in first["items"]:
        check_schema(item, "MeetingObjectForListMeeting")


async def test_an_instance_goes_lobby_in_progress_ended() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    live = {"meetingType": "meeting", "state": "inProgress"}
    async with running(site) as api:
        site.lobby_join(series.id, BOB)
        (lobby,) = (await api.json("GET", "meetings", params={"meetingType": "meeting"}))["items"]
        waiting_series = await api.json("GET", f"meetings/{series.id}")
        site.host_joins(series.id)
        (running_one,) = (await api.json("GET", "meetings", params=live))["items"]
        occurrence = await api.json("GET", f"meetings/{lobby['scheduledMeetingId']}")
        site.clock.advance(timedelta(minutes=30))
        site.end(series.id)
        assert (await api.json("GET", "meetings", params=live))["items"] == []
        ended_query = {"meetingType": "meeting", "state": "ended"}
        (ended,) = (await api.json("GET", "meetings", params=ended_query))["items"]
        after = await api.json("GET", f"meetings/{series.id}")
        site.clock.advance(timedelta(minutes=36))  # past the scheduled end, 10:05
        expired = await api.json("GET", f"meetings/{series.id}")
    assert lobby["state"] == "lobby" and re.fullmatch(rf"{series.id}_I_\d+", lobby["id"])
    assert lobby["hostDidJoin"] is False and lobby["attendeeDidJoin"] is True
    assert waiting_series["state"] == "inProgress"
    assert running_one["id"] == lobby["id"] and running_one["state"] == "inProgress"
    assert running_one["hostDidJoin"] is True and "end" not in running_one
    assert occurrence["state"] == "ready"
    assert ended["state"] == "ended" and ended["end"] == "2026-01-05T09:30:00Z"
    assert "password" not in ended and "meetingNumber" not in ended
    assert after["state"] == "active"  # until its scheduled end
    assert expired["state"] == "expired"
    check_schema(running_one, "MeetingObjectForListMeeting", absent=["end"])
    check_schema(ended, "MeetingObjectForListMeeting", absent=ENDED_ABSENT)


async def test_listing_lag_hides_fresh_instances_and_keeps_ended_ones_live() -> None:
    site = new_site(lag=timedelta(minutes=15))
    series = schedule(site, ALICE, minutes_ahead=5)
    query = {"meetingType": "meeting"}
    async with running(site) as api:
        site.host_joins(series.id)
        hidden = await api.json("GET", "meetings", params=query)
        direct = await api.json("GET", f"meetings/{site.all_series()[0].instances[0].id}")
        site.clock.advance(timedelta(minutes=15))
        shown = await api.json("GET", "meetings", params=query)
        site.end(series.id)
        site.clock.advance(timedelta(minutes=14))
        still_live = await api.json("GET", "meetings", params=query)
        site.clock.advance(timedelta(minutes=1))
        ended = await api.json("GET", "meetings", params=query)
    assert hidden["items"] == [] and direct["state"] == "inProgress"
    assert [m["state"] for m in shown["items"]] == ["inProgress"]
    assert [m["state"] for m in still_live["items"]] == ["inProgress"]
    assert [m["state"] for m in ended["items"]] == ["ended"]


async def test_participants_carry_state_and_host_flag() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running(site) as api:
        site.lobby_join(series.id, BOB)
        instance_id = series.instances[0].id
        waiting = await api.json("GET", "meetingParticipants", params={"meetingId": instance_id})
        site.host_joins(series.id)
        site.admit(series.id, BOB)
        site.leave(series.id, BOB)
        by_series = await api.json("GET", "meetingParticipants", params={"meetingId": series.id})
        mine = await api.json("GET", "meetingParticipants", params={"meetingId": series.id},
                              token=ALICE_TOKEN)  # fmt: skip
        bob_id = waiting["items"][0]["id"]
        one = await api.json("GET", f"meetingParticipants/{bob_id}")
        await api.json("GET", "meetingParticipants", status=400)
        await api.json("GET", "meetingParticipants", params={"meetingId": "0" * 32}, status=404)
    (bob,) = waiting["items"]
    assert (bob["email"], bob["state"], bob["host"]) == (BOB, "lobby", False)
    assert bob["meetingId"] == instance_id and bob["hostEmail"] == ALICE
    states = {p["email"]: (p["state"], p["host"]) for p in by_series["items"]}
    assert states == {BOB: ("end", False), ALICE: ("joined", True)}
    assert mine == by_series
    assert one["id"] == bob_id and one["state"] == "end" and "leftTime" in one
    for item in waiting["items"] + by_series["items"]:
        check_schema(item, "Participant")


async def test_patch_put_and_delete_follow_the_update_rules() -> None:
    site = new_site()
    series = schedule(site, ALICE, recurrence="FREQ=WEEKLY;COUNT=2")
    second = series.occurrences[1].id
    async with running(site) as api:
        patched = await api.json("PATCH", f"meetings/{series.id}", json={"title": "Retro"},
                                 headers={"Content-Type": "application/json-patch+json"})  # fmt: skip
        moved = await api.json("PUT", f"meetings/{second}", json={
            "start": "2026-01-12T14:00:00Z", "end": "2026-01-12T14:45:00Z"})  # fmt: skip
        await api.json("PATCH", f"meetings/{series.id}", json={"start": "2026-01-01T10:00:00Z"},
                       status=400)  # fmt: skip
        site.host_joins(series.id)
        instance_id = series.instances[0].id
        await api.json("PATCH", f"meetings/{instance_id}", json={"title": "x"}, status=400)
        busy = await api.json("PATCH", f"meetings/{series.id}", json={"title": "x"}, status=400)
        site.end(series.id)
        async with await api.call("DELETE", f"meetings/{second}") as gone:
            assert gone.status == 204
        async with await api.call("DELETE", f"meetings/{series.id}") as gone:
            assert gone.status == 204
        missing = await api.json("GET", f"meetings/{series.id}", status=404)
        again = await api.json("DELETE", f"meetings/{series.id}", status=404)
    assert patched["title"] == "Retro" and patched["meetingType"] == "meetingSeries"
    check_schema(patched, "MeetingObjectForListMeeting")
    assert moved["isModified"] is True and moved["start"] == "2026-01-12T14:00:00Z"
    assert moved["end"] == "2026-01-12T14:45:00Z"
    assert busy["errors"][0]["description"] == "Meeting is in progress."
    for answer in (missing, again):
        assert set(answer) == {"message", "errors", "trackingId"}


async def test_listing_filters_series_id_number_site_state_and_windows() -> None:
    site = new_site()
    first = schedule(site, ALICE, minutes_ahead=60, recurrence="FREQ=DAILY;COUNT=2")
    later = schedule(site, ALICE, minutes_ahead=60 * 24 * 9)  # beyond the default week
    host = {"hostEmail": ALICE}
    async with running(site) as api:
        week = await api.json("GET", "meetings", params=host)
        only_to = await api.json("GET", "meetings", params={**host, "to": "2026-01-20T00:00:00Z"})
        wide = await api.json("GET", "meetings", params={
            **host, "from": "2026-01-05T00:00:00Z", "to": "2026-01-20T00:00:00Z"})  # fmt: skip
        by_series = await api.json("GET", "meetings", params={
            **host, "meetingType": "scheduledMeeting", "meetingSeriesId": first.id})  # fmt: skip
        by_number = await api.json("GET", "meetings", params={
            **host, "meetingNumber": later.meeting_number})  # fmt: skip
        other_site = await api.json("GET", "meetings", params={**host, "siteUrl": "x.webex.com"})
        scheduled = await api.json("GET", "meetings", params={
            **host, "meetingType": "scheduledMeeting", "state": "scheduled"})  # fmt: skip
        site.host_joins(first.id)
        site.clock.advance(timedelta(days=8))
        recent = await api.json("GET", "meetings", params={**host, "meetingType": "meeting"})
        older = await api.json("GET", "meetings", params={
            **host, "meetingType": "meeting", "from": "2026-01-01T00:00:00Z"})  # fmt: skip
        await api.json("GET", "meetings", params={"meetingType": "webinar"}, status=400)
        await api.json("GET", "meetings", params={"state": "sleeping"}, status=400)
        await api.json("GET", "meetings", params={"from": "yesterday"}, status=400)
    assert [m["id"] for m in week["items"]] == [first.id]
    assert [m["id"] for m in wide["items"]] == [first.id, later.id]
    assert [m["id"] for m in only_to["items"]] == [later.id]  # from defaults to to - 7 days
    assert [m["id"] for m in by_series["items"]] == [o.id for o in first.occurrences]
    assert [m["id"] for m in by_number["items"]] == [later.id]
    assert other_site["items"] == []
    assert [m["id"] for m in scheduled["items"]] == [first.occurrences[1].id]
    assert recent["items"] == []  # the instance started more than 7 days ago
    assert [m["meetingSeriesId"] for m in older["items"]] == [first.id]


async def test_the_timezone_header_writes_times_in_that_zone() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=60)  # 10:00Z
    berlin = {"timezone": "Europe/Berlin"}
    async with running(site) as api:
        got = await api.json("GET", f"meetings/{series.id}", headers=berlin)
        listed = await api.json("GET", "meetings", params={"hostEmail": ALICE}, headers=berlin)
        site.host_joins(series.id)
        people = await api.json("GET", "meetingParticipants", params={"meetingId": series.id},
                                headers={"timezone": "America/New_York"})  # fmt: skip
        plain = await api.json("GET", f"meetings/{series.id}")
        await api.json("GET", f"meetings/{series.id}", headers={"timezone": "Nowhere/Land"},
                       status=400)  # fmt: skip
    assert (got["start"], got["end"]) == ("2026-01-05T11:00:00+01:00", "2026-01-05T12:00:00+01:00")
    assert listed["items"][0]["start"] == "2026-01-05T11:00:00+01:00"
    assert people["items"][0]["joinedTime"] == "2026-01-05T04:00:00-05:00"
    assert plain["start"] == "2026-01-05T10:00:00Z"
    check_schema(got, "MeetingSeriesObject")


async def test_people_me_says_who_the_token_is_and_whether_an_admin() -> None:
    site = new_site()
    async with running(site) as api:
        admin = await api.json("GET", "people/me")
        alice = await api.json("GET", "people/me", token=ALICE_TOKEN)
        await api.json("GET", "people/me", token="nope", status=401)
    assert admin["emails"] == [ADMIN] and alice["emails"] == [ALICE]
    assert admin["id"] == site.person(ADMIN).person_id
    assert admin["displayName"] == "Ada Admin"
    assert admin["orgId"] == alice["orgId"]
    full_admin = base64.b64encode(b"ciscospark://us/ROLE/id_full_admin").decode().rstrip("=")
    assert admin["roles"] == [full_admin] and alice["roles"] == []
