"""The chat port: what the dispatcher asks of Slack, the console, or a test recorder.

Cards and notices carry plain text. Each chat adapter formats it for its medium
and escapes it there (Slack: ``&``, ``<``, ``>`` for mrkdwn), so nothing from
Webex or a user can ping a channel. Cards never carry passwords; a private
meeting's card carries "Private meeting" in place of its title (rendering
decides that before a card exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

__all__ = ["Card", "CardTone", "ChatPort", "MessageRef", "format_when"]


def format_when(at: datetime, tz: tzinfo | None = UTC) -> str:
    """The one way a time is written for a reader, in every chat and the console:
    ``Wed 2026-12-02 09:30 UTC`` (weekday, ISO date, 24-hour time, zone).

    Args:
        at: an aware datetime.
        tz: the reader's zone; None means the machine's local zone.

    The zone is its abbreviation (UTC, CET) where it has one, else its IANA
    name (``America/Sao_Paulo`` rather than ``-03``).
    """
    local = at.astimezone(tz)
    zone = local.tzname() or ""
    if not zone.isalpha():
        zone = str(getattr(tz, "key", "") or zone)
    return f"{local:%a %Y-%m-%d %H:%M} {zone}".rstrip()


class CardTone(StrEnum):
    """The broad state a card shows; adapters map it to a colour or emoji."""

    SCHEDULED = "scheduled"
    SOON = "soon"
    LIVE = "live"
    WAITING = "waiting"
    ENDED = "ended"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    """One meeting as a channel sees it. Updated in place as the meeting moves."""

    meeting_key: str
    title: str
    host: str
    start: datetime
    duration_minutes: int
    status: str
    tone: CardTone
    join_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRef:
    """Where a message landed: the channel (or DM conversation) and its id (Slack ``ts``)."""

    channel: str
    ts: str


class ChatPort(Protocol):
    """Posting side of a chat service.

    Every method raises :class:`adapters.errors.ChatError` subclasses only.
    ``delivery_key`` is stored with the message (Slack: message metadata) so that
    :meth:`find_delivery` can tell, after a crash, whether it was already posted.
    """

    async def post_card(self, channel: str, card: Card, *, delivery_key: str) -> MessageRef:
        """Post a new card to ``channel``."""
        ...

    async def update_card(self, ref: MessageRef, card: Card, *, delivery_key: str) -> None:
        """Replace the card at ``ref`` with ``card``."""
        ...

    async def reply(self, parent: MessageRef, text: str, *, delivery_key: str) -> MessageRef:
        """Post ``text`` in the thread of ``parent``."""
        ...

    async def direct_message(
        self, user_email: str, text: str, *, delivery_key: str
    ) -> MessageRef | None:
        """Send ``text`` privately to the chat user with this email; None when no
        such user is known."""
        ...

    async def find_delivery(
        self, channel: str, delivery_key: str, *, thread: MessageRef | None = None
    ) -> MessageRef | None:
        """The message carrying ``delivery_key`` in ``channel`` (or in ``thread``),
        or None. Reads no message it did not post and changes none (the Slack
        adapter may join a public channel so it can read it).

        Raises:
            ChatLookupRefusedError: the history cannot be read ("cannot check").
        """
        ...

    async def check_access(self) -> None:
        """Return when the chat accepts the bot's credentials (Slack: ``auth.test``).

        Raises:
            ChatUnauthorizedError: they are refused.
            ChatError: the chat could not be asked (transient and the like).
        """
        ...
