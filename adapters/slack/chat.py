"""Slack implementation of :class:`adapters.chat.ChatPort`.

One card per meeting per channel, posted once and then edited with
``chat.update``; thread replies under it; direct messages by email. Every text
from Webex or a user is escaped for mrkdwn. Each message carries its delivery
key in ``metadata`` so :meth:`SlackChat.find_delivery` can tell after a crash
whether a delivery already happened.

Reading a public channel's history needs membership, but posting to it does
not (``chat:write.public``). A lookup answered ``not_in_channel`` therefore
joins the channel (``conversations.join``, scope ``channels:join``) and reads
again; if it still cannot read, it raises ChatLookupRefusedError ("cannot
check"), never ChatDestinationGoneError: the channel is there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.chat import Card, MessageRef
from adapters.errors import (
    ChatDestinationGoneError,
    ChatLookupRefusedError,
    ChatRejectedError,
)
from adapters.slack.errors import SlackRejectedError, guarded
from adapters.slack.mrkdwn import (
    card_blocks,
    card_fallback,
    delivery_keys,
    delivery_metadata,
    escape,
)
from state.fanout import DM_PREFIX

__all__ = ["SlackChat"]

_HISTORY_PAGE = 200
_KNOWN_CARDS = 2000


class SlackChat:
    """Posts cards and messages through one Slack Web API client.

    Args:
        client: a client from :func:`adapters.slack.client.make_web_client`.
        history_pages: how many pages of ``conversations.history`` find_delivery
            reads (newest first) before concluding a delivery never happened.
    """

    def __init__(self, client: AsyncWebClient, *, history_pages: int = 3) -> None:
        self._client = client
        self._history_pages = history_pages
        # Delivery keys of cards this process posted or edited, newest card last.
        self._known_keys: dict[tuple[str, str], tuple[str, ...]] = {}

    async def post_card(self, channel: str, card: Card, *, delivery_key: str) -> MessageRef:
        data = await guarded(
            self._client.chat_postMessage(
                channel=channel,
                text=card_fallback(card),
                blocks=card_blocks(card),
                metadata=delivery_metadata(delivery_key),
                unfurl_links=False,
            ),
            method="chat.postMessage",
            channel=channel,
        )
        ref = _ref(data, channel)
        self._remember(ref, (delivery_key,))
        return ref

    async def update_card(self, ref: MessageRef, card: Card, *, delivery_key: str) -> None:
        """Edit the card in place. Its metadata keeps the keys it carried before, so
        find_delivery still finds the original post (and earlier edits) after a
        crash; they are read back from Slack when this process has not seen them."""
        earlier = self._known_keys.get((ref.channel, ref.ts))
        if earlier is None:
            earlier = await self._read_keys(ref)
        await guarded(
            self._client.chat_update(
                channel=ref.channel,
                ts=ref.ts,
                text=card_fallback(card),
                blocks=card_blocks(card),
                metadata=delivery_metadata(delivery_key, earlier),
            ),
            method="chat.update",
            channel=ref.channel,
        )
        self._remember(ref, (*earlier, delivery_key))

    async def _read_keys(self, ref: MessageRef) -> tuple[str, ...]:
        # For a message without replies, conversations.replies answers the message itself.
        try:
            data = await self._read(
                partial(
                    self._client.conversations_replies,
                    channel=ref.channel,
                    ts=ref.ts,
                    include_all_metadata=True,
                    limit=1,
                ),
                method="conversations.replies",
                channel=ref.channel,
            )
        except ChatRejectedError:
            # The message is gone or unreadable; chat.update will say which.
            return ()
        for message in data.get("messages") or ():
            if isinstance(message, dict) and message.get("ts") == ref.ts:
                return delivery_keys(message)
        return ()

    def _remember(self, ref: MessageRef, keys: tuple[str, ...]) -> None:
        # Dicts keep insertion order: re-inserting puts the card last, and the
        # card touched longest ago goes first.
        self._known_keys.pop((ref.channel, ref.ts), None)
        self._known_keys[(ref.channel, ref.ts)] = keys
        if len(self._known_keys) > _KNOWN_CARDS:
            del self._known_keys[next(iter(self._known_keys))]

    async def reply(self, parent: MessageRef, text: str, *, delivery_key: str) -> MessageRef:
        data = await guarded(
            self._client.chat_postMessage(
                channel=parent.channel,
                thread_ts=parent.ts,
                text=escape(text),
                metadata=delivery_metadata(delivery_key),
                unfurl_links=False,
            ),
            method="chat.postMessage",
            channel=parent.channel,
        )
        return _ref(data, parent.channel)

    async def direct_message(
        self, user_email: str, text: str, *, delivery_key: str
    ) -> MessageRef | None:
        channel = await self._dm_channel(user_email)
        if channel is None:
            return None
        data = await guarded(
            self._client.chat_postMessage(
                channel=channel,
                text=escape(text),
                metadata=delivery_metadata(delivery_key),
                unfurl_links=False,
            ),
            method="chat.postMessage",
            channel=channel,
        )
        return _ref(data, channel)

    async def _dm_channel(self, user_email: str) -> str | None:
        """The direct-message conversation with the user of ``user_email``, or
        None when no such user exists (conversations.open is idempotent)."""
        user_id = await self.user_id_for_email(user_email)
        if user_id is None:
            return None
        opened = await guarded(
            self._client.conversations_open(users=user_id),
            method="conversations.open",
            channel=user_id,
        )
        return str((opened.get("channel") or {}).get("id") or user_id)

    async def user_id_for_email(self, email: str) -> str | None:
        """The Slack user id for ``email``, or None when no such user exists."""
        try:
            data = await guarded(
                self._client.users_lookupByEmail(email=email), method="users.lookupByEmail"
            )
        except SlackRejectedError as e:
            if e.code == "users_not_found":
                return None
            raise
        user_id = (data.get("user") or {}).get("id")
        return str(user_id) if user_id else None

    async def find_delivery(
        self, channel: str, delivery_key: str, *, thread: MessageRef | None = None
    ) -> MessageRef | None:
        """``channel`` may also be ``dm:<email>``: the direct messages with that
        user are searched (needs the im:history scope)."""
        if channel.startswith(DM_PREFIX):
            dm = await self._dm_channel(channel.removeprefix(DM_PREFIX))
            if dm is None:
                return None
            channel = dm
        cursor: str | None = None
        for _ in range(self._history_pages):
            if thread is None:
                data = await self._read(
                    partial(
                        self._client.conversations_history,
                        channel=channel,
                        include_all_metadata=True,
                        limit=_HISTORY_PAGE,
                        cursor=cursor,
                    ),
                    method="conversations.history",
                    channel=channel,
                )
            else:
                data = await self._read(
                    partial(
                        self._client.conversations_replies,
                        channel=thread.channel,
                        ts=thread.ts,
                        include_all_metadata=True,
                        limit=_HISTORY_PAGE,
                        cursor=cursor,
                    ),
                    method="conversations.replies",
                    channel=channel,
                )
            for message in data.get("messages") or ():
                if delivery_key in delivery_keys(message):
                    return MessageRef(channel=channel, ts=str(message["ts"]))
            cursor = ((data.get("response_metadata") or {}).get("next_cursor")) or None
            if cursor is None:
                return None
        return None

    async def _read(
        self,
        call: Callable[[], Awaitable[AsyncSlackResponse]],
        *,
        method: str,
        channel: str,
    ) -> dict[str, Any]:
        """One history read; on ``not_in_channel``, join the channel and read once more.

        Raises:
            ChatLookupRefusedError: refused (e.g. a missing history scope), or
                still not readable after joining was refused (a private channel,
                a missing ``channels:join`` scope).
            ChatDestinationGoneError: the channel does not exist (any more).
            ChatUnauthorizedError, ChatTransientError, ...: as ``guarded``.
        """
        try:
            return await guarded(call(), method=method, channel=channel)
        except ChatDestinationGoneError as e:
            if e.reason != "not_in_channel":
                raise
        except SlackRejectedError as e:  # missing_scope, thread_not_found, ...
            raise ChatLookupRefusedError(channel, e.code) from e
        try:
            await guarded(
                self._client.conversations_join(channel=channel),
                method="conversations.join",
                channel=channel,
            )
            return await guarded(call(), method=method, channel=channel)
        except (ChatDestinationGoneError, ChatRejectedError) as e:
            raise ChatLookupRefusedError(channel, f"not_in_channel, and joining failed: {e}") from e

    async def check_access(self) -> None:
        """``auth.test``: raises ChatUnauthorizedError while the token is refused."""
        await guarded(self._client.auth_test(), method="auth.test")


def _ref(data: dict[str, Any], channel: str) -> MessageRef:
    ts = data.get("ts")
    if not ts:
        raise ChatRejectedError("chat.postMessage: the answer carried no ts")
    return MessageRef(channel=str(data.get("channel") or channel), ts=str(ts))
