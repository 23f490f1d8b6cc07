"""/slack/events refuses what is not Slack's before parsing it, answers malformed
signed input with 400 and one log line, and acts on each Slack event once.

Requests go over loopback to the real aiohttp app with bolt and the handlers;
Slack's side is the fake Slack Web API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from adapters.webex.memory import MemoryWebex
from bot.serve.slack_ingress import signature_ok
from state.store import Store
from tests.fakes.meetings import seed
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_bot import FORM, SECRET, SlackBot, running_bot

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
JSON = "application/json"
Bot = SlackBot[MemoryWebex]


@pytest.fixture
async def bot(fake_slack: FakeSlack, sqlite_store: Store) -> AsyncIterator[Bot]:
    fake_slack.add_user("UALICE", name="Alice", email="alice@acme.test", tz="Europe/Berlin")
    async with running_bot(
        fake_slack, MemoryWebex(clock=lambda: NOW), sqlite_store, clock=lambda: NOW
    ) as bot:
        yield bot


def _payload(**fields: Any) -> str:
    return urlencode({"payload": json.dumps(fields)})


_ACTIONS_BASE: dict[str, Any] = {
    "type": "block_actions",
    "team": {"id": TEAM_ID},
    "user": {"id": "UALICE"},
    "api_app_id": "A1",
    "token": "legacy",
}

#: Signed bodies that are not well-formed Slack requests: (body, content type).
MALFORMED: dict[str, tuple[str, str]] = {
    "payload-not-json": ("payload=%7Bnot-json", FORM),
    "json-not-json": ("{not json", JSON),
    "json-array": ("[1, 2]", JSON),
    "payload-a-string": ("payload=" + quote('"x"'), FORM),
    "empty-actions": (_payload(**_ACTIONS_BASE, actions=[]), FORM),
    "action-not-an-object": (_payload(**_ACTIONS_BASE, actions=["join_meeting"]), FORM),
    "team-a-number": (
        _payload(**{**_ACTIONS_BASE, "team": 5}, actions=[{"action_id": "join_meeting"}]),
        FORM,
    ),
    "event-without-event": (
        json.dumps({"type": "event_callback", "event_id": "Ev9", "team_id": TEAM_ID}),
        JSON,
    ),
    "event-a-string": (
        json.dumps({"type": "event_callback", "event_id": "Ev9", "event": "app_home_opened"}),
        JSON,
    ),
    "no-type": (json.dumps({"token": "legacy", "team_id": TEAM_ID}), JSON),
    "form-of-nothing": ("a=b&c=d", FORM),
    "other-command": (
        urlencode(
            {
                "command": "/other",
                "user_id": "UALICE",
                "channel_id": "C1",
                "team_id": TEAM_ID,
                "response_url": "http://127.0.0.1:9/r",
            }
        ),
        FORM,
    ),
    "command-without-user": (urlencode({"command": "/webex", "text": "list"}), FORM),
    "empty": ("", FORM),
}


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_signed_malformed_input_is_a_400_and_one_log_line(
    bot: Bot, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    body, content_type = MALFORMED[kind]
    caplog.set_level(logging.DEBUG)
    response = await bot.post(body, content_type=content_type)
    assert response.status == 400
    await bot.tasks.join()
    _no_tracebacks(caplog)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "malformed" in warnings[0].getMessage()
    assert bot.slack.calls == []
    assert bot.webex.calls == []


async def test_signed_body_that_is_not_utf8_is_a_400(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=\xff\xfe"
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }
    response = await bot.http.post("/slack/events", data=body, headers=headers)
    assert response.status == 400
    _no_tracebacks(caplog)
    assert bot.slack.calls == []


async def test_unsigned_garbage_is_refused_unparsed_and_logged_once(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(20):
        response = await bot.http.post(
            "/slack/events",
            data=b"payload=%7Bnot-json",
            headers={"Content-Type": FORM},
        )
        assert response.status == 401
    for timestamp in ("abc", "1e9", "-1", "９９"):  # slack_sdk raises on these
        response = await bot.http.post(
            "/slack/events",
            data=b"payload=%7Bnot-json",
            headers={"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"},
        )
        assert response.status == 401
    _no_tracebacks(caplog)
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1
    assert bot.slack.calls == []


@pytest.mark.parametrize(
    ("timestamp", "signature", "expected"),
    [
        ("1700000000", "good", True),
        ("1700000000", "v0=" + "0" * 64, False),
        ("1699999000", "good", False),  # older than five minutes
        ("abc", "good", False),
        ("", "good", False),
        ("1700000000", "v0=é", False),
    ],
)
def test_signature_check(timestamp: str, signature: str, expected: bool) -> None:
    body = b"command=%2Fwebex"
    if signature == "good":
        base = f"v0:{timestamp}:".encode() + body
        signature = "v0=" + hmac.new(b"s", base, hashlib.sha256).hexdigest()
    assert signature_ok("s", body, timestamp, signature, now=1_700_000_100) is expected


async def test_a_well_formed_event_the_app_does_not_handle_is_acknowledged(bot: Bot) -> None:
    event = _event("Ev2", {"type": "message", "user": "UALICE", "channel": "C1", "text": "hi"})
    response = await bot.post(json.dumps(event), content_type=JSON)
    assert response.status == 200
    assert bot.slack.calls == []


def _event(event_id: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }


HOME_OPENED = _event(
    "Ev1", {"type": "app_home_opened", "user": "UALICE", "channel": "D1", "tab": "home"}
)


async def test_retries_of_an_event_are_acknowledged_without_acting(bot: Bot) -> None:
    await seed(bot.store, "123456789", now=NOW, title="Standup")
    body = json.dumps(HOME_OPENED)
    assert (await bot.post(body, content_type=JSON)).status == 200
    await bot.tasks.join()
    for retry in ("1", "2"):
        response = await bot.post(
            body,
            content_type=JSON,
            headers={"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert response.status == 200
        assert response.headers["X-Slack-No-Retry"] == "1"
        await bot.tasks.join()
    assert len(bot.slack.calls_to("views.publish")) == 1


async def test_a_retry_after_a_restart_is_recognised(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.add_user("UALICE", name="Alice", email="alice@acme.test", tz="UTC")
    url = f"sqlite:///{tmp_path / 'm.db'}"
    body = json.dumps(HOME_OPENED)
    for life in range(2):
        async with (
            await Store.open(url) as store,
            running_bot(
                fake_slack, MemoryWebex(clock=lambda: NOW), store, clock=lambda: NOW
            ) as bot,
        ):
            if life == 0:
                assert (await bot.post(body, content_type=JSON)).status == 200
            else:
                retry = await bot.post(body, content_type=JSON, headers={"X-Slack-Retry-Num": "1"})
                assert retry.status == 200
                other = json.dumps({**HOME_OPENED, "event_id": "Ev3"})
                assert (await bot.post(other, content_type=JSON)).status == 200
            await bot.tasks.join()
    assert len(fake_slack.calls_to("views.publish")) == 2  # Ev1 once, Ev3 once


async def test_a_retry_the_store_cannot_check_is_not_acted_on(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.store.close()
    response = await bot.post(
        json.dumps(HOME_OPENED), content_type=JSON, headers={"X-Slack-Retry-Num": "1"}
    )
    assert response.status == 200
    await bot.tasks.join()
    assert bot.slack.calls_to("views.publish") == []
    assert "not acting on retry 1" in caplog.text
