"""The REST site simulator driven only over HTTP: the JSON control surface
scripts a meeting's life, spoils deliveries, injects faults and moves the
clock; the CLI serves an example organisation and prints its base URL."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import pytest

from tests.restsim import ALICE, BOB, Api, new_site, running, running_target

pytestmark = pytest.mark.timeout(60)


async def _control(api: Api, action: str, status: int = 200, **args: Any) -> dict[str, Any]:
    url = api.base.replace("/v1/", f"/control/{action}")
    async with api.session.post(url, json=args) as answer:
        body: dict[str, Any] = await answer.json()
        assert answer.status == status, body
        return body


async def test_a_scripted_meeting_is_pushed_and_listed() -> None:
    site = new_site()
    async with running_target() as target, running(site) as api:
        for resource, event in (("meetings", "started"), ("meetings", "ended"),
                                ("meetingParticipants", "joined"),
                                ("meetingParticipants", "left")):  # fmt: skip
            await api.json("POST", "webhooks", json={
                "name": event, "targetUrl": target.url, "resource": resource, "event": event,
                "ownedBy": "org"})  # fmt: skip
        made = await _control(api, "schedule", host=ALICE, title="Ops review",
                              start="2026-01-05T09:30:00+00:00", minutes=30)  # fmt: skip
        meeting = made["id"]
        lobby = await _control(api, "lobby_join", id=meeting, email=BOB)
        host = await _control(api, "host_joins", id=meeting)
        await _control(api, "admit", id=meeting, email=BOB)
        await _control(api, "drop_deliveries", count=1)
        await _control(api, "leave", id=meeting, email=BOB)  # this "left" is lost
        await _control(api, "duplicate_deliveries", count=1)
        await _control(api, "advance", seconds=600)
        ended = await _control(api, "end", id=meeting)
        await _control(api, "settle")
        summary = await api.session.get(api.base.replace("/v1/", "/control/meetings"))
        listed = (await summary.json())["meetings"]
        records = await (
            await api.session.get(api.base.replace("/v1/", "/control/deliveries"))
        ).json()
        instances = await api.json("GET", "meetings", params={"meetingType": "meeting"})
        calls = await (await api.session.get(api.base.replace("/v1/", "/control/calls"))).json()
        await _control(api, "delete", id=meeting)
        await _control(api, "delete", id=meeting, status=404)
        await _control(api, "leave", id="0" * 32, email=BOB, status=404)
        await _control(api, "warp", status=400)
    assert lobby["state"] == "lobby" and host["host"] is True and ended["state"] == "ended"
    # In order per webhook; the four webhooks race each other.
    events: dict[str, list[str | None]] = {}
    for e in target.envelopes():
        events.setdefault(e["event"], []).append(e["data"].get("email"))
    assert events == {
        "started": [None], "joined": [BOB, ALICE, BOB], "left": [ALICE, ALICE], "ended": [None]
    }  # fmt: skip
    assert [r["outcome"] for r in records["deliveries"]].count("dropped") == 1
    (series,) = listed
    assert series["title"] == "Ops review" and "password" not in str(series)
    assert series["instances"][0]["state"] == "ended"
    assert [i["id"] for i in instances["items"]] == [ended["instance"]]
    assert [c["path"] for c in calls["calls"]] == ["/v1/webhooks"] * 4 + ["/v1/meetings"]
    assert '"resource": "meetingParticipants"' in calls["calls"][2]["body"]


async def test_faults_tokens_and_the_clock_over_the_control_surface() -> None:
    site = new_site()
    async with running(site) as api:
        await _control(api, "add_person", email="dana@acme.example", display_name="Dana")
        await _control(api, "add_token", token="dana", email="dana@acme.example",
                       lifetime_seconds=60)  # fmt: skip
        await api.json("GET", "meetings", token="dana")
        await _control(api, "advance", seconds=60)
        await api.json("GET", "meetings", token="dana", status=401)
        await _control(api, "fault", kind="http429", retry_after=30, path="/v1/meetings")
        async with await api.call("GET", "meetings") as limited:
            assert limited.status == 429 and limited.headers["Retry-After"] == "30"
        await _control(api, "fault", kind="http502", times=3)
        await _control(api, "clear_faults")
        await api.json("GET", "meetings")
        await _control(api, "add_client", client_id="c", client_secret="s")
        issued = await _control(api, "issue_refresh_token", client_id="c", email=ALICE)
        granted = await api.json("POST", "access_token", token=None, data={
            "grant_type": "refresh_token", "client_id": "c", "client_secret": "s",
            "refresh_token": issued["refresh_token"]})  # fmt: skip
        mine = await api.json("GET", "meetings", token=granted["access_token"])
        await _control(api, "fault", kind="sneeze", status=400)
    assert mine == {"items": []}


async def test_cli_serves_rest_at_v1_and_stops_on_sigint() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.webex.simulator", "--api", "rest", "--port", "0",
        "--token", "T", "--client-id", "bot",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 30)).decode().rstrip("\n")
            for _ in range(9)
        ]
        url = lines[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1/")
        assert "WEBEX_API=rest" in lines and f"WEBEX_REST_URL={url}" in lines
        assert "WEBEX_ACCESS_TOKEN=T" in lines and "WEBEX_CLIENT_ID=bot" in lines
        async with running(new_site()) as api:  # a session; the CLI's site is the target
            async with api.session.get(url + "meetings", params={"meetingType": "scheduledMeeting",
                                       "hostEmail": "alice@acme.example"},
                                       headers={"Authorization": "Bearer T"}) as answer:  # fmt: skip
                body = await answer.json()
                assert answer.status == 200
            async with api.session.get(url + "meetings") as refused:
                assert refused.status == 401
        assert [m["title"] for m in body["items"]][:1] == ["Alice's review"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        returncode = await asyncio.wait_for(process.wait(), 30)
    assert returncode == 0


async def test_the_disable_threshold_and_delivery_timeout_are_settable() -> None:
    site = new_site()
    async with running_target() as target, running(site) as api:
        target.gate = asyncio.Event()  # the target never answers in time
        hook = await api.json("POST", "webhooks", json={
            "name": "j", "targetUrl": target.url, "resource": "meetingParticipants",
            "event": "joined", "ownedBy": "org"})  # fmt: skip
        await _control(api, "webhook_threshold", count=2, window_seconds=60)
        await _control(api, "delivery_timeout", seconds=0.05)
        made = await _control(api, "schedule", host=ALICE, title="T",
                              start="2026-01-05T09:30:00+00:00")  # fmt: skip
        for who in ("a", "b"):
            await _control(api, "join", id=made["id"], email=f"{who}@elsewhere.example")
        await _control(api, "settle")
        after = await api.json("GET", f"webhooks/{hook['id']}")
        target.gate.set()
    assert after["status"] == "inactive"
    assert [(r.outcome, r.status) for r in site.deliveries.records] == [("failed", None)] * 2


async def test_cli_realistic_mode_lags_instance_listings() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.webex.simulator", "--api", "rest", "--port", "0",
        "--token", "T", "--realistic", "--speed", "0",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        control = url.replace("/v1/", "/control")
        auth = {"Authorization": "Bearer T"}
        async with running(new_site()) as api:  # a session; the CLI's site is the target
            listing = await (await api.session.get(control + "/meetings")).json()
            first = listing["meetings"][0]["id"]
            await api.session.post(control + "/host_joins", json={"id": first})
            query = {"meetingType": "meeting"}
            async with api.session.get(url + "meetings", params=query, headers=auth) as fresh:
                hidden = await fresh.json()
            await api.session.post(control + "/advance", json={"seconds": 900})
            async with api.session.get(url + "meetings", params=query, headers=auth) as later:
                shown = await later.json()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 30)
    assert hidden["items"] == [] and [m["state"] for m in shown["items"]] == ["inProgress"]
    assert returncode == 0
