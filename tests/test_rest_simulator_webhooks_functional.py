"""The REST site simulator's webhooks over loopback HTTP: the registry, signed
deliveries of every meeting and participant event to a loopback target,
ownership and filters, disabling after repeated failures, and the delivery
knobs (drop, duplicate, delay)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import timedelta
from typing import Any

from tests.restsim import (
    ADMIN,
    ALICE,
    ALICE_TOKEN,
    BOB,
    Api,
    check_schema,
    new_site,
    running,
    running_target,
    samples,
    schedule,
)

SECRET = "86dacc007724d8ea666f88fc77d918dad9537a15"
ALL_EVENTS = [
    ("meetings", "created"),
    ("meetings", "updated"),
    ("meetings", "deleted"),
    ("meetings", "started"),
    ("meetings", "ended"),
    ("meetingParticipants", "joined"),
    ("meetingParticipants", "left"),
]


async def _register(
    api: Api, url: str, resource: str, event: str, *, token: str = "T", **extra: Any
) -> dict[str, Any]:
    body = {"name": f"{resource} {event}", "targetUrl": url, "resource": resource, "event": event}
    made: dict[str, Any] = await api.json("POST", "webhooks", json={**body, **extra}, token=token)
    return made


async def test_the_registry_creates_lists_updates_and_deletes() -> None:
    site = new_site()
    async with running(site) as api:
        made = await _register(
            api, "https://example.com/hook", "meetings", "ended", secret=SECRET, ownedBy="org"
        )
        listed = await api.json("GET", "webhooks")
        renamed = await api.json("PUT", f"webhooks/{made['id']}",
                                 json={"name": "Renamed", "targetUrl": "https://example.com/2"})  # fmt: skip
        await api.json("PUT", f"webhooks/{made['id']}", status=400,
                       json={"name": "x", "targetUrl": "https://x", "status": "inactive"})  # fmt: skip
        mine = await api.json("GET", "webhooks", token=ALICE_TOKEN)
        await api.json("GET", f"webhooks/{made['id']}", token=ALICE_TOKEN, status=404)
        async with await api.call("DELETE", f"webhooks/{made['id']}") as gone:
            assert gone.status == 204
        await api.json("GET", f"webhooks/{made['id']}", status=404)
        # Refusals: a missing field, an unknown event, org-wide on a user
        # token, a host filter without ownedBy org.
        await api.json("POST", "webhooks", json={"name": "x"}, status=400)
        await api.json("POST", "webhooks", status=400, json={
            "name": "x", "targetUrl": "https://x", "resource": "meetings", "event": "joined"})  # fmt: skip
        await api.json("POST", "webhooks", token=ALICE_TOKEN, status=403, json={
            "name": "x", "targetUrl": "https://x", "resource": "meetings", "event": "ended",
            "ownedBy": "org"})  # fmt: skip
        await api.json("POST", "webhooks", status=400, json={
            "name": "x", "targetUrl": "https://x", "resource": "meetings", "event": "ended",
            "filter": f"hostEmail={ALICE}"})  # fmt: skip
    check_schema(made, "Webhook")
    check_schema(listed, "WebhookCollectionResponse")
    assert made["status"] == "active" and made["ownedBy"] == "org" and made["secret"] == SECRET
    assert {"orgId", "createdBy", "appId", "created"} <= set(made)
    assert [w["id"] for w in listed["items"]] == [made["id"]]
    assert renamed["name"] == "Renamed" and renamed["targetUrl"] == "https://example.com/2"
    assert mine["items"] == []


async def test_every_event_is_delivered_signed_in_the_documented_envelope() -> None:
    site = new_site()
    async with running_target() as target, running(site) as api:
        hooks = {}
        for resource, event in ALL_EVENTS:
            made = await _register(api, target.url, resource, event, secret=SECRET, ownedBy="org")
            hooks[made["id"]] = (resource, event)
        created = await api.json("POST", "meetings", json={
            "title": "Secret plans", "start": "2026-01-05T10:00:00Z",
            "end": "2026-01-05T11:00:00Z", "hostEmail": ALICE})  # fmt: skip
        await api.json("PATCH", f"meetings/{created['id']}", json={"title": "Still secret"})
        site.lobby_join(created["id"], BOB)
        site.host_joins(created["id"])
        site.admit(created["id"], BOB)
        site.leave(created["id"], BOB)
        instance = site.end(created["id"])
        async with await api.call("DELETE", f"meetings/{created['id']}") as gone:
            assert gone.status == 204
        await site.deliveries.settle()
    envelopes = target.envelopes()
    # Each webhook delivers in event order; different webhooks race each other.
    by_hook: dict[tuple[str, str], list[str]] = {}
    for e in envelopes:
        by_hook.setdefault((e["resource"], e["event"]), []).append(e["data"].get("state"))
    assert by_hook == {
        ("meetings", "created"): ["active"],
        ("meetings", "updated"): ["active"],
        ("meetings", "started"): ["lobby"],
        ("meetingParticipants", "joined"): ["lobby", "joined", "joined"],
        ("meetingParticipants", "left"): ["end", "end"],
        ("meetings", "ended"): ["ended"],
        ("meetings", "deleted"): ["active"],
    }
    for (headers, raw), envelope in zip(target.received, envelopes, strict=True):
        expected = hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
        assert headers["X-Spark-Signature"] == expected
        assert headers["Content-Type"].startswith("application/json")
        assert hooks[envelope["id"]] == (envelope["resource"], envelope["event"])
        assert envelope["status"] == "active" and envelope["ownedBy"] == "org"
        assert "secret" not in envelope
        assert "Secret" not in raw.decode() and "secret" not in envelope["data"]
    sample = samples()["meetings_ended_webhook_delivery"]["body"]
    (ended,) = [e for e in envelopes if e["event"] == "ended"]
    assert set(sample) <= set(ended)
    assert set(ended["data"]) == set(sample["data"])
    assert ended["data"]["id"] == instance.id and "_I_" in ended["data"]["id"]
    (creation,) = [e for e in envelopes if e["event"] == "created"]
    assert creation["data"]["id"] == created["id"]
    participants = [e["data"] for e in envelopes if e["resource"] == "meetingParticipants"]
    assert {p["meetingId"] for p in participants} == {instance.id}
    joined = [(p["email"], p["host"], p["state"]) for p in participants if p["state"] != "end"]
    assert joined == [(BOB, False, "lobby"), (ALICE, True, "joined"), (BOB, False, "joined")]
    for data in participants:
        check_schema(data, "Participant")


async def test_a_creator_owned_webhook_sees_its_creator_meetings_and_filters_apply() -> None:
    site = new_site()
    async with running_target() as target, running(site) as api:
        await _register(api, target.url, "meetings", "started", token=ALICE_TOKEN)
        await _register(api, target.url, "meetings", "ended", ownedBy="org",
                        filter=f"hostEmail={ADMIN}")  # fmt: skip
        alices, admins = schedule(site, ALICE), schedule(site, ADMIN)
        site.start(alices.id)
        site.start(admins.id)
        site.end(alices.id)
        site.end(admins.id)
        await site.deliveries.settle()
    got = [(e["event"], e["data"]["hostEmail"]) for e in target.envelopes()]
    assert got == [("started", ALICE), ("ended", ADMIN)]
    assert "X-Spark-Signature" not in target.received[0][0]  # no secret, no signature


async def test_100_failures_in_5_minutes_disable_a_webhook_for_good() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running_target() as target, running(site) as api:
        target.status = 500
        hook = await _register(api, target.url, "meetingParticipants", "joined", ownedBy="org")

        async def joins(count: int) -> None:
            for i in range(count):
                site.join(series.id, f"guest{i}@elsewhere.example")
            await site.deliveries.settle()

        await joins(99)
        assert (await api.json("GET", f"webhooks/{hook['id']}"))["status"] == "active"
        await joins(1)
        disabled = await api.json("GET", f"webhooks/{hook['id']}")
        sent = len(target.received)
        site.clock.advance(timedelta(minutes=30))
        await joins(5)
        still = await api.json("GET", f"webhooks/{hook['id']}")
        assert len(target.received) == sent  # an inactive webhook gets nothing
        target.status = 200
        await api.json("PUT", f"webhooks/{hook['id']}",
                       json={"name": hook["name"], "targetUrl": target.url, "status": "active"})  # fmt: skip
        await joins(1)
        revived = await api.json("GET", f"webhooks/{hook['id']}")
    assert sent == 100 and disabled["status"] == "inactive" and still["status"] == "inactive"
    assert revived["status"] == "active" and len(target.received) == 101
    failed = [r for r in site.deliveries.records if r.outcome == "failed"]
    assert len(failed) == 100 and {r.status for r in failed} == {500}


async def test_failures_spread_wider_than_the_window_do_not_disable() -> None:
    site = new_site()
    site.webhooks.threshold = 3
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running_target() as target, running(site) as api:
        target.status = 503
        hook = await _register(api, target.url, "meetingParticipants", "joined", ownedBy="org")
        for i in range(4):
            site.join(series.id, f"guest{i}@elsewhere.example")
            await site.deliveries.settle()
            site.clock.advance(timedelta(minutes=2, seconds=31))
        assert (await api.json("GET", f"webhooks/{hook['id']}"))["status"] == "active"


async def test_reenabled_soon_after_disabling_one_more_failure_disables_again() -> None:
    site = new_site()
    site.webhooks.threshold = 3
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running(site) as api:
        # Nothing listens on the target: refused connections are failures too.
        dead = "http://127.0.0.1:9/webex/webhooks"
        hook = await _register(api, dead, "meetingParticipants", "joined", ownedBy="org")
        for i in range(3):
            site.join(series.id, f"guest{i}@elsewhere.example")
        await site.deliveries.settle()
        assert (await api.json("GET", f"webhooks/{hook['id']}"))["status"] == "inactive"
        site.clock.advance(timedelta(minutes=1))
        await api.json("PUT", f"webhooks/{hook['id']}",
                       json={"name": "again", "targetUrl": dead, "status": "active"})  # fmt: skip
        site.join(series.id, "late@elsewhere.example")
        await site.deliveries.settle()
        after = await api.json("GET", f"webhooks/{hook['id']}")
    assert after["status"] == "inactive"
    assert [r.status for r in site.deliveries.records] == [None] * 4


async def test_dropped_and_duplicated_deliveries() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running_target() as target, running(site) as api:
        await _register(api, target.url, "meetingParticipants", "joined", ownedBy="org",
                        secret=SECRET)  # fmt: skip
        site.deliveries.drop_next(2)
        site.deliveries.duplicate_next(1)
        site.deliveries.set_delay(0.01)
        for name in ("one", "two", "three", "four"):
            site.join(series.id, f"{name}@elsewhere.example")
        await site.deliveries.settle()
    emails = [e["data"]["email"] for e in target.envelopes()]
    assert emails == [
        "three@elsewhere.example", "three@elsewhere.example", "four@elsewhere.example"
    ]  # fmt: skip
    assert target.received[0] == target.received[1]  # the very same bytes and signature
    outcomes = [(r.outcome, r.duplicate) for r in site.deliveries.records]
    assert outcomes == [
        ("dropped", False), ("dropped", False), ("delivered", False), ("delivered", True),
        ("delivered", False),
    ]  # fmt: skip


async def test_a_new_secret_signs_later_deliveries_and_filters_pick_one_meeting() -> None:
    site = new_site()
    watched, other = schedule(site, ALICE), schedule(site, ALICE)
    async with running_target() as target, running(site) as api:
        hook = await _register(api, target.url, "meetings", "started", secret="old",
                               ownedBy="org", filter=f"meetingNumber={watched.meeting_number}")  # fmt: skip
        site.start(other.id)
        site.start(watched.id)
        await site.deliveries.settle()
        await api.json("PUT", f"webhooks/{hook['id']}",
                       json={"name": "n", "targetUrl": target.url, "secret": "new"})  # fmt: skip
        site.end(watched.id)
        site.start(watched.id)  # a second instance of the same occurrence
        await site.deliveries.settle()
    signatures = [headers["X-Spark-Signature"] for headers, _ in target.received]
    bodies = [raw for _, raw in target.received]
    assert len(bodies) == 2
    assert signatures[0] == hmac.new(b"old", bodies[0], hashlib.sha1).hexdigest()
    assert signatures[1] == hmac.new(b"new", bodies[1], hashlib.sha1).hexdigest()
    ids = [e["data"]["id"] for e in target.envelopes()]
    assert ids[0] != ids[1] and all(i.startswith(f"{watched.id}_I_") for i in ids)


async def test_deleting_one_occurrence_is_pushed_with_its_id() -> None:
    site = new_site()
    series = schedule(site, ALICE, recurrence="FREQ=WEEKLY;COUNT=3")
    async with running_target() as target, running(site) as api:
        await _register(api, target.url, "meetings", "deleted", token=ALICE_TOKEN)
        async with await api.call("DELETE", f"meetings/{series.occurrences[1].id}",
                                  token=ALICE_TOKEN) as gone:  # fmt: skip
            assert gone.status == 204
        left = await api.json("GET", "meetings", token=ALICE_TOKEN, params={
            "meetingType": "scheduledMeeting", "from": "2026-01-05T00:00:00Z",
            "to": "2026-02-01T00:00:00Z"})  # fmt: skip
        await site.deliveries.settle()
    (envelope,) = target.envelopes()
    assert envelope["data"]["id"] == series.occurrences[1].id
    assert envelope["data"]["meetingType"] == "scheduledMeeting"
    assert [o["id"] for o in left["items"]] == [series.occurrences[i].id for i in (0, 2)]


async def test_a_stuck_target_holds_up_no_other_webhook() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running_target() as stuck, running_target() as healthy, running(site) as api:
        stuck.gate = asyncio.Event()
        held = await _register(api, stuck.url, "meetings", "started", ownedBy="org")
        await _register(api, healthy.url, "meetingParticipants", "joined", ownedBy="org")
        site.host_joins(series.id)  # started (to the stuck one), then joined
        await asyncio.wait_for(healthy.arrived.wait(), 30)
        assert [e["event"] for e in healthy.envelopes()] == ["joined"]
        await asyncio.wait_for(stuck.arrived.wait(), 30)
        # The stuck delivery is out but unanswered: no outcome recorded yet.
        assert held["id"] not in {r.webhook_id for r in site.deliveries.records}
        stuck.gate.set()
        await site.deliveries.settle()
    assert [r.outcome for r in site.deliveries.records] == ["delivered", "delivered"]
