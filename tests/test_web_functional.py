"""Signed Slack requests through our aiohttp app, bolt, the handlers and the actions.

Slack's side is the fake Slack Web API (users.info, response URLs, views.publish);
the Webex side is a recording Webex client.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.webex.memory import MemoryWebex
from bot.config import load_settings
from bot.health import HealthRegistry
from bot.serve.metrics import Metrics
from bot.serve.web import create_web_app, metrics_route
from state.store import Store
from tests.fakes.meetings import seed
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_bot import SECRET, SlackBot, running_bot

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
Bot = SlackBot[MemoryWebex]


@pytest.fixture
async def bot(fake_slack: FakeSlack, sqlite_store: Store) -> AsyncIterator[Bot]:
    fake_slack.add_user("UALICE", name="Alice", email="alice@acme.test", tz="Europe/Berlin")
    fake_slack.add_user("UBOB", name="Bob", email="bob@acme.test", tz="UTC")
    async with running_bot(
        fake_slack,
        MemoryWebex(clock=lambda: NOW, generated_password="s3cr&t<pw>"),
        sqlite_store,
        clock=lambda: NOW,
    ) as bot:
        yield bot


async def test_healthz_follows_the_health_callable(bot: Bot) -> None:
    assert (await bot.http.get("/healthz")).status == 200
    bot.healthy[0] = False
    assert (await bot.http.get("/healthz")).status == 503


async def test_create_answers_privately_and_announces_without_password(bot: Bot) -> None:
    response = await bot.command('create "Launch <!channel>" at 10:30 autolock 5')
    assert response.status == 200
    await bot.tasks.join()
    (request,) = bot.webex.created
    assert request.auto_lock_minutes == 5
    assert request.start == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # Alice is in Berlin
    (private, public) = bot.answers()
    assert private[0] == "ephemeral" and "s3cr&amp;t&lt;pw&gt;" in private[1]
    assert public[0] == "in_channel"
    assert "s3cr" not in public[1]
    assert "<!channel>" not in public[1] and "Launch &lt;!channel&gt;" in public[1]
    assert [c.body["user"] for c in bot.slack.calls_to("users.info")] == ["UALICE"]


async def test_invalid_command_is_answered_in_the_ack_and_reaches_nothing(bot: Bot) -> None:
    response = await bot.command("create x autolock 7")
    assert response.status == 200
    assert "0|5|10|15|20" in await response.text()
    await bot.tasks.join()
    assert bot.webex.calls == []
    assert bot.slack.calls_to("users.info") == []


async def test_help_is_answered_in_the_ack(bot: Bot) -> None:
    response = await bot.command("help")
    assert "Usage: /webex" in await response.text()
    assert bot.tasks.pending == 0


@pytest.mark.parametrize(
    ("secret", "age"),
    [("wrong-secret", 0), (SECRET, 301), (SECRET, -400)],
    ids=["forged", "stale", "future"],
)
async def test_forged_or_stale_requests_are_refused_and_not_acted_on(
    bot: Bot, secret: str, age: int
) -> None:
    response = await bot.command("create Standup", secret=secret, timestamp=int(time.time()) - age)
    assert response.status == 401
    await bot.tasks.join()
    assert bot.webex.calls == []
    assert bot.slack.responses == {}
    assert bot.slack.calls == []


async def test_unsigned_request_is_refused(bot: Bot) -> None:
    response = await bot.http.post("/slack/events", data=b"command=%2Fwebex&text=list")
    assert response.status == 401
    assert bot.slack.calls == []


async def test_cancel_by_someone_else_is_refused(bot: Bot) -> None:
    await seed(bot.store, "123456789", now=NOW)
    await bot.command("cancel 123456789", user="UBOB")
    await bot.tasks.join()
    (answer,) = bot.answers()
    assert answer[0] == "ephemeral" and "Only the meeting's host" in answer[1]
    assert bot.webex.deleted == []


async def test_without_a_profile_subscribe_and_list_still_work(bot: Bot) -> None:
    bot.slack.script("users.info", error="missing_scope", times=3)
    await bot.command("subscribe all")
    await bot.command("list")
    await bot.command("create Sync in 30m")
    await bot.tasks.join()
    # The three run side by side; their answers come in any order.
    answers = sorted(text for _, text in bot.answers())
    (create, listed, subscribed) = answers
    assert subscribed == "This channel now follows every meeting on the site (all events)."
    assert "No live or upcoming (24 h) meetings" in listed
    assert "could not read your Slack profile" in create and "creating a meeting" in create
    assert [s.scope for s in await bot.store.subscriptions("C1")] == ["all"]
    assert bot.webex.created == []


async def test_one_profile_read_serves_a_burst_of_commands(bot: Bot) -> None:
    for text in ("subscribe all", "subscriptions", "list"):
        await bot.command(text)
    await bot.tasks.join()
    assert len(bot.answers()) == 3
    assert len(bot.slack.calls_to("users.info")) == 1


async def test_app_home_lists_the_users_meetings(bot: Bot) -> None:
    await seed(bot.store, "123456789", now=NOW, title="Alice <b>")
    await seed(bot.store, "987654321", now=NOW, title="Not hers", host_email="bob@acme.test")
    event = {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "UALICE", "channel": "D1", "tab": "home"},
    }
    response = await bot.post(json.dumps(event), content_type="application/json")
    assert response.status == 200
    await bot.tasks.join()
    (call,) = bot.slack.calls_to("views.publish")
    view = json.dumps(call.body["view"])
    assert call.body["user_id"] == "UALICE"
    assert "Alice &lt;b&gt;" in view and "Not hers" not in view


async def test_url_verification_handshake(bot: Bot) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "legacy"})
    response = await bot.post(body, content_type="application/json")
    assert response.status == 200
    assert "abc" in await response.text()


async def test_undecodable_body_is_refused(bot: Bot) -> None:
    response = await bot.http.post(
        "/slack/events",
        data=b"\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert response.status == 401
    assert bot.slack.calls == []


async def test_join_button_clicks_are_acknowledged_and_nothing_else(bot: Bot) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": "UALICE"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "channel": {"id": "C1"},
        "actions": [
            {"action_id": "join_meeting", "block_id": "b", "type": "button", "action_ts": "1"}
        ],
    }
    response = await bot.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status == 200
    await bot.tasks.join()
    assert bot.webex.calls == []
    assert [c.method for c in bot.slack.calls] == ["auth.test"]


async def test_a_store_failure_is_a_sentence_not_a_500(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.store.close()  # every store call now raises StoreError
    response = await bot.command("subscriptions")
    assert response.status == 200
    await bot.tasks.join()
    assert bot.answers() == [
        ("ephemeral", "Something went wrong on our side; please try again later.")
    ]
    assert "command SubscriptionsCommand failed" in caplog.text


async def test_metrics_hook_serves_prometheus_text() -> None:
    metrics = Metrics()

    async def scrape() -> bytes:
        metrics.refresh(outbox_depth=3, outbox_oldest_age=1.5, sessions_by_state={"live": 2})
        return metrics.render()

    app = create_web_app(
        load_settings({}, env_file=None), None, lambda: True, hooks=[metrics_route(scrape)]
    )
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
        response = await http.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "3.0" in await response.text()
        assert (await http.post("/slack/events", data=b"")).status == 404  # no Slack app mounted


async def test_readyz_reports_each_component_and_fails_while_one_fails() -> None:
    now = [NOW]
    health = HealthRegistry(lambda: now[0])
    health.report("database", ok=True, detail="written")
    health.expect("webex")
    app = create_web_app(load_settings({}, env_file=None), None, lambda: True, readiness=health)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
        response = await http.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["ready"] is False
        assert body["components"]["webex"]["status"] == "starting"
        assert body["components"]["database"] == {
            "status": "ok",
            "since": NOW.isoformat(),
            "detail": "written",
            "required": True,
        }
        assert (await http.get("/healthz")).status == 200  # alive, though not ready
        health.report("webex", ok=True, detail="signed in")
        response = await http.get("/readyz")
        assert response.status == 200
        assert (await response.json())["ready"] is True


async def test_readyz_without_a_registry_is_ready() -> None:
    app = create_web_app(load_settings({}, env_file=None), None, lambda: True)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
        response = await http.get("/readyz")
        assert response.status == 200
        assert await response.json() == {"ready": True, "components": {}}
