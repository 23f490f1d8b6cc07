"""SlackChat (the ChatPort for Slack) against the fake Slack Web API on loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.chat import Card, CardTone, ChatPort, MessageRef
from adapters.errors import (
    ChatDestinationGoneError,
    ChatLookupRefusedError,
    ChatRateLimitedError,
    ChatRejectedError,
    ChatTransientError,
    ChatUnauthorizedError,
    ChatUnreachableError,
)
from adapters.slack.chat import SlackChat
from adapters.slack.client import NO_RETRIES, RetryPolicy, make_web_client
from adapters.slack.directory import SlackDirectory
from adapters.slack.respond import send_response
from tests.fakes.slack_api import FakeSlack

CARD = Card(
    meeting_key="123456789",
    title="Q&A <!channel> <@U999>",
    host="Alice <alice@acme.test>",
    start=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    duration_minutes=45,
    status="Starts in 10 minutes",
    tone=CardTone.SOON,
    join_url="https://acme.webex.test/join/123456789",
)


def chat_for(fake: FakeSlack, retries: RetryPolicy = NO_RETRIES) -> SlackChat:
    return SlackChat(make_web_client("xoxb-test", fake.api_url, retries=retries))


def test_slack_chat_satisfies_the_port() -> None:
    port: type[ChatPort] = SlackChat  # mypy checks the structural match
    assert port is SlackChat


async def test_post_card_escapes_and_carries_the_delivery_key(fake_slack: FakeSlack) -> None:
    ref = await chat_for(fake_slack).post_card("C1", CARD, delivery_key="k-1")
    assert ref.channel == "C1" and ref.ts
    (call,) = fake_slack.calls_to("chat.postMessage")
    sent = str(call.body["text"]) + str(call.body["blocks"])
    assert "<!channel>" not in sent and "<@U999>" not in sent
    assert "Q&amp;A &lt;!channel&gt; &lt;@U999&gt;" in sent
    assert "Alice &lt;alice@acme.test&gt;" in sent
    assert call.body["metadata"] == {
        "event_type": "meetbot_delivery",
        "event_payload": {"delivery_key": "k-1"},
    }
    buttons = [b for b in call.body["blocks"] if b["type"] == "actions"]
    assert buttons[0]["elements"][0]["url"] == CARD.join_url


async def test_update_card_edits_the_same_message(fake_slack: FakeSlack) -> None:
    chat = chat_for(fake_slack)
    ref = await chat.post_card("C1", CARD, delivery_key="k-1")
    ended = replace(CARD, tone=CardTone.ENDED, status="Ended")
    await chat.update_card(ref, ended, delivery_key="k-2")
    (message,) = fake_slack.channel_messages("C1")
    assert message["ts"] == ref.ts
    assert "Ended" in message["text"]
    assert not [b for b in message["blocks"] if b["type"] == "actions"]  # no Join once ended
    assert message["metadata"]["event_payload"]["delivery_key"] == "k-2"


async def test_reply_goes_into_the_thread(fake_slack: FakeSlack) -> None:
    chat = chat_for(fake_slack)
    parent = await chat.post_card("C1", CARD, delivery_key="k-1")
    reply = await chat.reply(parent, "Host <b> joined & left", delivery_key="k-r")
    assert reply.channel == "C1" and reply.ts != parent.ts
    call = fake_slack.calls_to("chat.postMessage")[-1]
    assert call.body["thread_ts"] == parent.ts
    assert call.body["text"] == "Host &lt;b&gt; joined &amp; left"


async def test_direct_message_by_email(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="Alice", email="alice@acme.test")
    ref = await chat_for(fake_slack).direct_message(
        "ALICE@acme.test", "hi <!here>", delivery_key="k-d"
    )
    assert ref == MessageRef(channel="DU1", ts=ref.ts if ref else "")
    assert fake_slack.calls_to("conversations.open")[0].body["users"] == "U1"
    assert fake_slack.channel_messages("DU1")[0]["text"] == "hi &lt;!here&gt;"


async def test_find_delivery_searches_direct_messages_by_email(fake_slack: FakeSlack) -> None:
    """After a crash the dispatcher asks for ``dm:<email>``: a DM already sent is
    found (so it is not sent twice), one never sent is not."""
    fake_slack.add_user("U1", name="Alice", email="alice@acme.test")
    chat = chat_for(fake_slack)
    sent = await chat.direct_message("alice@acme.test", "waiting", delivery_key="7:dm")
    assert await chat.find_delivery("dm:alice@acme.test", "7:dm") == sent
    assert await chat.find_delivery("dm:alice@acme.test", "8:dm") is None
    assert await chat.find_delivery("dm:nobody@acme.test", "7:dm") is None


async def test_direct_message_to_unknown_email_is_none(fake_slack: FakeSlack) -> None:
    assert (
        await chat_for(fake_slack).direct_message("nobody@acme.test", "x", delivery_key="k") is None
    )
    assert not fake_slack.calls_to("chat.postMessage")


async def test_find_delivery_in_channel_and_thread(fake_slack: FakeSlack) -> None:
    chat = chat_for(fake_slack)
    card = await chat.post_card("C1", CARD, delivery_key="card-1")
    await chat.post_card("C1", CARD, delivery_key="card-2")
    reply = await chat.reply(card, "started", delivery_key="reply-1")

    assert await chat.find_delivery("C1", "card-1") == card
    assert await chat.find_delivery("C1", "reply-1") is None  # replies are not in history
    assert await chat.find_delivery("C1", "reply-1", thread=card) == reply
    assert await chat.find_delivery("C1", "never-sent") is None
    history = fake_slack.calls_to("conversations.history")[0]
    assert str(history.body["include_all_metadata"]).lower() in ("1", "true")


async def test_a_group_dm_is_searched_after_a_crash_with_the_manifests_scopes(
    fake_slack: FakeSlack,
) -> None:
    """A subscription in a group DM: the lookup after a crash reads its history,
    which takes mpim:history; the fake grants exactly the manifest's scopes."""
    fake_slack.kinds["C0GROUPDM"] = "mpim"
    ref = await chat_for(fake_slack).post_card("C0GROUPDM", CARD, delivery_key="k-g")
    restarted = chat_for(fake_slack)
    assert await restarted.find_delivery("C0GROUPDM", "k-g") == ref
    assert await restarted.find_delivery("C0GROUPDM", "k-g", thread=ref) == ref


async def test_a_scope_the_workspace_did_not_grant_is_refused(fake_slack: FakeSlack) -> None:
    fake_slack.granted = fake_slack.granted - {"groups:history"}
    with pytest.raises(ChatRejectedError, match="missing_scope"):
        await chat_for(fake_slack).find_delivery("G0PRIVATE", "k-1")


async def test_a_lookup_in_a_public_channel_not_joined_joins_it_first(
    fake_slack: FakeSlack,
) -> None:
    chat = chat_for(fake_slack)
    card = await chat.post_card("C1", CARD, delivery_key="card-1")  # chat:write.public
    reply = await chat.reply(card, "started", delivery_key="reply-1")
    fake_slack.outside.add("C1")
    assert await chat.find_delivery("C1", "card-1") == card
    assert [c.body["channel"] for c in fake_slack.calls_to("conversations.join")] == ["C1"]
    assert await chat.find_delivery("C1", "reply-1", thread=card) == reply
    assert len(fake_slack.calls_to("conversations.join")) == 1


@pytest.mark.parametrize(
    ("channel", "withheld", "join_error"),
    [
        ("C1", {"channels:join"}, "missing_scope"),  # installed before it asked for it
        ("G1", set(), "method_not_supported_for_channel_type"),
    ],
)
async def test_a_lookup_that_cannot_join_is_refused_not_gone(
    fake_slack: FakeSlack, channel: str, withheld: set[str], join_error: str
) -> None:
    fake_slack.granted = fake_slack.granted - withheld
    chat = chat_for(fake_slack)
    card = await chat.post_card(channel, CARD, delivery_key="card-1")
    fake_slack.outside.add(channel)
    with pytest.raises(ChatLookupRefusedError, match=join_error) as info:
        await chat.find_delivery(channel, "card-1")
    assert not isinstance(info.value, ChatDestinationGoneError)
    with pytest.raises(ChatLookupRefusedError):
        await chat.find_delivery(channel, "x", thread=card)
    # An edit cannot read the keys the card carried, and still goes through.
    await chat.update_card(card, replace(CARD, status="Live"), delivery_key="edit")


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
async def test_a_refused_token_is_unauthorized_everywhere(fake_slack: FakeSlack, code: str) -> None:
    chat = chat_for(fake_slack)
    await chat.check_access()
    fake_slack.revoked = code
    for call in (
        chat.check_access(),
        chat.post_card("C1", CARD, delivery_key="k"),
        chat.find_delivery("C1", "k"),
    ):
        with pytest.raises(ChatUnauthorizedError) as info:
            await call
        assert info.value.code == code


@pytest.mark.parametrize("reason", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_gone_channels(fake_slack: FakeSlack, reason: str) -> None:
    fake_slack.gone["C404"] = reason
    with pytest.raises(ChatDestinationGoneError) as info:
        await chat_for(fake_slack).post_card("C404", CARD, delivery_key="k")
    assert (info.value.channel, info.value.reason) == ("C404", reason)


async def test_rate_limit_surfaces_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", status=429, retry_after=30)
    with pytest.raises(ChatRateLimitedError) as info:
        await chat_for(fake_slack).post_card("C1", CARD, delivery_key="k")
    assert info.value.retry_after == 30


async def test_rate_limit_is_retried_by_the_client(fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", status=429, retry_after=0)
    chat = chat_for(fake_slack, RetryPolicy(connection_errors=0, rate_limited=1, server_errors=0))
    ref = await chat.post_card("C1", CARD, delivery_key="k")
    assert ref.ts
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(fake_slack: FakeSlack, status: int) -> None:
    fake_slack.script("chat.update", status=status)
    with pytest.raises(ChatTransientError):
        await chat_for(fake_slack).update_card(
            MessageRef(channel="C1", ts="1.0"), CARD, delivery_key="k"
        )


async def test_server_errors_are_retried_by_the_client(fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", status=503)
    chat = chat_for(fake_slack, RetryPolicy(connection_errors=0, rate_limited=0, server_errors=1))
    assert (await chat.post_card("C1", CARD, delivery_key="k")).ts
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_other_refusals_are_rejected(fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", error="invalid_blocks")
    with pytest.raises(ChatRejectedError, match="invalid_blocks"):
        await chat_for(fake_slack).post_card("C1", CARD, delivery_key="k")


async def test_unreachable_slack_is_transient() -> None:
    chat = SlackChat(make_web_client("xoxb-test", "http://127.0.0.1:9/api/", retries=NO_RETRIES))
    with pytest.raises(ChatUnreachableError, match="chat.postMessage: ClientConnectorError"):
        await chat.post_card("C1", CARD, delivery_key="k")
    assert issubclass(ChatUnreachableError, ChatTransientError)  # retried like any hiccup


async def test_errors_never_contain_the_token(fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", error="invalid_auth")
    with pytest.raises(ChatUnauthorizedError) as info:
        await SlackChat(
            make_web_client("xoxb-very-secret", fake_slack.api_url, retries=NO_RETRIES)
        ).post_card("C1", CARD, delivery_key="k")
    assert "xoxb" not in str(info.value)


async def test_directory_reads_tz_and_email_and_publishes_home(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="Alice", email="alice@acme.test", tz="Europe/Berlin")
    fake_slack.add_user("U2", name="Bob", email=None)
    directory = SlackDirectory(make_web_client("xoxb-test", fake_slack.api_url, retries=NO_RETRIES))
    alice = await directory.user("U1")
    assert (alice.tz, alice.email, alice.name) == ("Europe/Berlin", "alice@acme.test", "Alice")
    assert (await directory.user("U2")).email is None
    await directory.publish_home(
        "U1", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    )
    (call,) = fake_slack.calls_to("views.publish")
    assert call.body["view"]["type"] == "home"
    with pytest.raises(ChatRejectedError, match="user_not_found"):
        await directory.user("U404")


async def test_directory_reuses_a_profile_for_a_few_minutes(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="Alice", email="alice@acme.test", tz="Europe/Berlin")
    now = [1000.0]
    directory = SlackDirectory(
        make_web_client("xoxb-test", fake_slack.api_url, retries=NO_RETRIES),
        ttl=300,
        clock=lambda: now[0],
    )
    for _ in range(3):
        assert (await directory.user("U1")).tz == "Europe/Berlin"
    assert len(fake_slack.calls_to("users.info")) == 1
    now[0] += 301
    await directory.user("U1")
    assert len(fake_slack.calls_to("users.info")) == 2


async def test_directory_keeps_no_failure(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="Alice", email=None, tz=None)
    directory = SlackDirectory(make_web_client("xoxb-test", fake_slack.api_url, retries=NO_RETRIES))
    fake_slack.script("users.info", error="missing_scope")
    with pytest.raises(ChatRejectedError, match="missing_scope"):
        await directory.user("U1")
    alice = await directory.user("U1")
    assert (alice.tz, alice.email) == (None, None)  # no zone in the profile: None, not a guess
    assert len(fake_slack.calls_to("users.info")) == 2


async def test_response_url_answers_are_recorded_and_escaped(fake_slack: FakeSlack) -> None:
    await send_response(fake_slack.response_url("r"), "<!channel> & co")
    await send_response(
        fake_slack.response_url("r"), "*bold*", visibility="in_channel", escaped=True
    )
    assert fake_slack.responses["r"] == [
        {"text": "&lt;!channel&gt; &amp; co", "response_type": "ephemeral"},
        {"text": "*bold*", "response_type": "in_channel"},
    ]


async def test_response_url_failures_are_chat_errors(fake_slack: FakeSlack) -> None:
    with pytest.raises(ChatRejectedError, match="HTTP 404"):
        await send_response(f"{fake_slack.base_url}/expired", "x")
    with pytest.raises(ChatTransientError):
        await send_response("http://127.0.0.1:9/response/x", "x")


async def test_an_edit_after_a_restart_keeps_the_posts_key(fake_slack: FakeSlack) -> None:
    ref = await chat_for(fake_slack).post_card("C1", CARD, delivery_key="post")
    restarted = chat_for(fake_slack)  # knows nothing of the card
    await restarted.update_card(ref, CARD, delivery_key="edit")
    assert len(fake_slack.calls_to("conversations.replies")) == 1
    assert await restarted.find_delivery("C1", "post") == ref
    assert await restarted.find_delivery("C1", "edit") == ref
    (message,) = fake_slack.channel_messages("C1")
    assert message["metadata"]["event_payload"] == {
        "delivery_key": "edit",
        "earlier_keys": ["post"],
    }
