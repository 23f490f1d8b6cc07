"""ConsoleChat: a :class:`adapters.chat.ChatPort` that shows each channel in a terminal.

Every message is kept in memory with the delivery keys it has carried, so
:meth:`ConsoleChat.find_delivery` answers from what was really written. Nothing
survives the process, which is all a demo needs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TextIO

from adapters.chat import Card, MessageRef
from adapters.console.render import (
    Palette,
    card_block,
    channel_label,
    color_wanted,
    dm_line,
    reply_line,
)
from adapters.console.screen import Screen
from adapters.errors import ChatRejectedError, ChatTransientError
from state.fanout import DM_PREFIX

__all__ = ["ConsoleChat"]

#: Slack-like message ids start here and grow by one step per message.
_TS_EPOCH = 1_700_000_000
_TS_STEP = 100


@dataclass(slots=True, kw_only=True)
class _Message:
    ref: MessageRef
    # Every key this message was posted or updated with: each was delivered.
    keys: set[str] = field(default_factory=set)
    thread_ts: str | None = None
    card: Card | None = None


class ConsoleChat:
    """Writes cards, thread replies and direct messages to a text stream.

    Channel ids are shown by their names from ``channel_names`` (else as
    ``#id``). A direct message goes to the pseudo-channel ``@<email>``.

    Every method raises :class:`adapters.errors.ChatError` subclasses only:
    :class:`~adapters.errors.ChatRejectedError` for a message that does not
    exist here, :class:`~adapters.errors.ChatTransientError` when the stream
    cannot be written (the message then counts as not delivered).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        channel_names: Mapping[str, str] | None = None,
        display_tz: tzinfo | None = None,
        color: bool | None = None,
        known_emails: Collection[str] | None = None,
        screen: Screen | None = None,
    ) -> None:
        """
        Args:
            stream: where to write; ``sys.stdout`` when None.
            channel_names: channel id -> display name ("#general").
            display_tz: zone for start times; None shows the machine's local time.
            color: force ANSI colour on or off; None colours only a terminal
                stream (the settings turn it off when ``NO_COLOR`` is set).
            known_emails: the users a direct message can reach; None reaches anyone.
            screen: the screen shared with a prompt (which keeps its marker
                under each message); when given, ``stream`` is not used.
        """
        self._screen = screen if screen is not None else Screen(stream, prompt=False)
        self._names = dict(channel_names or {})
        self._tz = display_tz
        wanted = color_wanted(self._screen.stream, {}) if color is None else color
        self._palette = Palette(enabled=wanted)
        self._known = None if known_emails is None else frozenset(e.lower() for e in known_emails)
        self._messages: dict[tuple[str, str], _Message] = {}
        self._count = 0

    @property
    def messages(self) -> tuple[MessageRef, ...]:
        """Every message written so far, oldest first. Read-only."""
        return tuple(m.ref for m in self._messages.values())

    async def post_card(self, channel: str, card: Card, *, delivery_key: str) -> MessageRef:
        """Write ``card`` as a new boxed block in ``channel``."""
        self._write(self._card(channel, card, updated=False))
        return self._record(channel, delivery_key, card=card).ref

    async def update_card(self, ref: MessageRef, card: Card, *, delivery_key: str) -> None:
        """Write ``card`` again, marked as updated; the message keeps its ``ts``.

        Raises:
            ChatRejectedError: no card was posted at ``ref`` ("message_not_found").
        """
        message = self._lookup(ref)
        if message.card is None:
            raise ChatRejectedError(f"cannot update {ref.ts}: not a card (cant_update_message)")
        self._write(self._card(ref.channel, card, updated=True))
        message.card = card
        message.keys.add(delivery_key)

    async def reply(self, parent: MessageRef, text: str, *, delivery_key: str) -> MessageRef:
        """Write ``text`` indented under the title of the card at ``parent``.

        Raises:
            ChatRejectedError: nothing was posted at ``parent`` ("thread_not_found").
        """
        root = self._lookup(parent, missing="thread_not_found")
        if root.thread_ts is not None:
            # A reply to a reply lands in the same thread, as in Slack.
            root = self._lookup(MessageRef(channel=parent.channel, ts=root.thread_ts))
        title = root.card.title if root.card is not None else ""
        label = channel_label(parent.channel, self._names)
        self._write(reply_line(label, title, text, palette=self._palette))
        return self._record(parent.channel, delivery_key, thread_ts=root.ref.ts).ref

    async def direct_message(
        self, user_email: str, text: str, *, delivery_key: str
    ) -> MessageRef | None:
        """Write ``text`` as a DM to ``user_email``; None when that user is not known."""
        if self._known is not None and user_email.lower() not in self._known:
            return None
        self._write(dm_line(user_email, text, palette=self._palette))
        return self._record(f"@{user_email}", delivery_key).ref

    async def find_delivery(
        self, channel: str, delivery_key: str, *, thread: MessageRef | None = None
    ) -> MessageRef | None:
        """The message in ``channel`` that carried ``delivery_key`` at some point.

        Without ``thread`` only top-level messages count (as in Slack's channel
        history); with it, the replies in that thread and its parent. Read-only.
        """
        if channel.startswith(DM_PREFIX):
            # The dispatcher names a DM by its destination; DMs are filed under @<email>.
            channel = "@" + channel.removeprefix(DM_PREFIX)
        want_thread = None if thread is None else thread.ts
        for message in self._messages.values():
            if message.ref.channel != channel or delivery_key not in message.keys:
                continue
            if want_thread is None and message.thread_ts is None:
                return message.ref
            if want_thread is not None and want_thread in (message.thread_ts, message.ref.ts):
                return message.ref
        return None

    async def check_access(self) -> None:
        """The terminal needs no credentials: always accepted."""

    def _card(self, channel: str, card: Card, *, updated: bool) -> str:
        label = channel_label(channel, self._names)
        try:
            return card_block(
                label, card, updated=updated, palette=self._palette, display_tz=self._tz
            )
        except (KeyError, ValueError, OverflowError) as e:
            # A card no renderer could show (unknown tone, start out of range):
            # refused like any malformed message, so the port's contract holds.
            raise ChatRejectedError(f"cannot show card {card.meeting_key}: invalid_blocks") from e

    def _next_ts(self) -> str:
        self._count += _TS_STEP
        seconds, micros = divmod(self._count, 1_000_000)
        return f"{_TS_EPOCH + seconds}.{micros:06d}"

    def _record(
        self,
        channel: str,
        delivery_key: str,
        *,
        card: Card | None = None,
        thread_ts: str | None = None,
    ) -> _Message:
        ref = MessageRef(channel=channel, ts=self._next_ts())
        message = _Message(ref=ref, keys={delivery_key}, thread_ts=thread_ts, card=card)
        self._messages[(channel, ref.ts)] = message
        return message

    def _lookup(self, ref: MessageRef, *, missing: str = "message_not_found") -> _Message:
        message = self._messages.get((ref.channel, ref.ts))
        if message is None:
            raise ChatRejectedError(f"no message {ref.ts} in {ref.channel} ({missing})")
        return message

    def _write(self, text: str) -> None:
        try:
            self._screen.write(text)
        except (OSError, ValueError, AttributeError) as e:
            # ValueError: the stream was closed under us (e.g. at interpreter exit);
            # AttributeError: there is no stream at all (sys.stdout is None).
            raise ChatTransientError(f"console output failed: {type(e).__name__}") from e
