"""The ChatPort contract, run against every implementation: Slack (over the fake
Slack Web API) and the console."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.chat import Card, CardTone, ChatPort, MessageRef
from adapters.console.chat import ConsoleChat
from adapters.errors import ChatRejectedError
from adapters.slack.chat import SlackChat
from adapters.slack.client import NO_RETRIES, make_web_client
from state.fanout import DM_PREFIX
from tests.fakes.slack_api import FakeSlack

CARD = Card(
    meeting_key="123456789",
    title="Weekly <sync>",
    host="alice",
    start=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    duration_minutes=30,
    status="Scheduled",
    tone=CardTone.SCHEDULED,
    join_url="https://acme.webex.test/j/123456789",
)
KNOWN = "alice@acme.test"


@pytest.fixture(params=["slack", "console"])
def chat(request: pytest.FixtureRequest) -> ChatPort:
    if request.param == "console":
        return ConsoleChat(io.StringIO(), color=False, known_emails=[KNOWN])
    fake: FakeSlack = request.getfixturevalue("fake_slack")
    fake.add_user("U1", name="Alice", email=KNOWN)
    return SlackChat(make_web_client("xoxb-test", fake.api_url, retries=NO_RETRIES))


async def test_a_posted_card_is_found_by_its_key(chat: ChatPort) -> None:
    ref = await chat.post_card("C1", CARD, delivery_key="post")
    assert await chat.find_delivery("C1", "post") == ref
    assert await chat.find_delivery("C1", "never") is None
    assert await chat.find_delivery("C2", "post") is None


async def test_an_updated_card_is_found_by_every_key_it_carried(chat: ChatPort) -> None:
    ref = await chat.post_card("C1", CARD, delivery_key="post")
    await chat.update_card(ref, replace(CARD, status="Live", tone=CardTone.LIVE), delivery_key="u1")
    await chat.update_card(
        ref, replace(CARD, status="Ended", tone=CardTone.ENDED), delivery_key="u2"
    )
    for key in ("post", "u1", "u2"):
        assert await chat.find_delivery("C1", key) == ref, key


async def test_replies_are_found_in_their_thread_only(chat: ChatPort) -> None:
    parent = await chat.post_card("C1", CARD, delivery_key="post")
    reply = await chat.reply(parent, "Host joined", delivery_key="reply")
    assert reply.channel == "C1" and reply.ts != parent.ts
    assert await chat.find_delivery("C1", "reply") is None
    assert await chat.find_delivery("C1", "reply", thread=parent) == reply


async def test_direct_messages(chat: ChatPort) -> None:
    assert await chat.direct_message("nobody@acme.test", "hi", delivery_key="dm0") is None
    ref = await chat.direct_message(KNOWN, "Attendees are waiting", delivery_key="dm1")
    assert ref is not None
    assert await chat.find_delivery(ref.channel, "dm1") == ref
    # The dispatcher asks about a DM by its destination, dm:<email>.
    assert await chat.find_delivery(DM_PREFIX + KNOWN, "dm1") == ref


async def test_updating_a_message_that_does_not_exist_is_rejected(chat: ChatPort) -> None:
    with pytest.raises(ChatRejectedError):
        await chat.update_card(MessageRef(channel="C1", ts="1.000001"), CARD, delivery_key="x")
