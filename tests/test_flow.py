"""The one command flow: text and requester -> parse -> answered at once or carried
out -> a chat-neutral reply, the same for Slack and the demo console."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from adapters.chat import Reply
from adapters.slack.mrkdwn import mrkdwn
from adapters.webex.memory import MemoryWebex
from bot.commands import replies
from bot.commands.actions import CommandActions, Requester
from bot.commands.flow import FAILED, CommandFlow, answer_at_once
from bot.commands.grammar import ListCommand
from bot.demo.embedded import console_handler
from state.store import Store

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ALICE = Requester(user_id="U0DEMO", channel_id="general", tz="UTC", email="alice@acme.example")


@pytest.fixture
def webex() -> MemoryWebex:
    return MemoryWebex(clock=lambda: NOW)


@pytest.fixture
def actions(webex: MemoryWebex, sqlite_store: Store) -> CommandActions:
    return CommandActions(webex=webex, store=sqlite_store, clock=lambda: NOW)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", replies.usage()),
        ("help", replies.usage()),
    ],
)
def test_help_is_answered_at_once(text: str, said: object) -> None:
    assert answer_at_once(text) == Reply(body=said)  # type: ignore[arg-type]


def test_unusable_text_is_answered_at_once_and_a_command_is_handed_back() -> None:
    answer = answer_at_once("crate Sync")
    assert isinstance(answer, Reply) and "Did you mean `create`?" in mrkdwn(answer.body)
    assert answer_at_once("list") == ListCommand()


async def test_nothing_reaches_webex_for_help_or_a_mistyped_command(
    actions: CommandActions, webex: MemoryWebex
) -> None:
    flow = CommandFlow(actions)
    for text in ("help", "crate Sync", "status"):
        await flow.answer(text, ALICE)
    assert webex.calls == []


async def test_a_failure_of_ours_is_one_sentence_and_a_logged_trace(
    actions: CommandActions, webex: MemoryWebex, caplog: pytest.LogCaptureFixture
) -> None:
    webex.fail("create_meeting", RuntimeError("bug"))
    with caplog.at_level(logging.ERROR, logger="meetbot.commands"):
        assert await CommandFlow(actions).answer("create Sync", ALICE) == FAILED
    assert "command CreateCommand failed" in caplog.text and "RuntimeError: bug" in caplog.text


async def test_the_console_prints_what_slack_marks_up_as_plain_text(
    actions: CommandActions,
) -> None:
    reply = await CommandFlow(actions).answer('create "Planning <!here>" in 10m', ALICE)
    slack = mrkdwn(reply.body)
    assert "*Planning &lt;!here&gt;*" in slack and "|join>" in slack
    assert reply.announcement is not None and "<!date^" in mrkdwn(reply.announcement)

    shown = await console_handler(actions, ALICE)('/webex create "Planning <!here>" in 10m')
    assert shown.startswith("Created Planning <!here> (meeting ")
    assert "\n(to #general) @U0DEMO scheduled Planning <!here> for Tue 2026-12-01 " in shown
    for markup in ("*Planning", "|join>", "|Join>", "<!date^", "<@U0DEMO>", "&lt;", "&amp;"):
        assert markup not in shown, markup


async def test_the_console_help_is_the_usage_as_written(actions: CommandActions) -> None:
    shown = await console_handler(actions, ALICE)("/webex help")
    assert shown.startswith("Usage: /webex <command>\n• create <title>")
