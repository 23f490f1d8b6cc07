"""The chat port: what the dispatcher asks of Slack, the console, or a test recorder,
and the chat-neutral values the bot says things with.

Cards and notices carry plain text. Each chat adapter formats it for its medium
and escapes it there (Slack: ``&``, ``<``, ``>`` for mrkdwn), so nothing from
Webex or a user can ping a channel. Cards never carry passwords; a private
meeting's card carries "Private meeting" in place of its title (rendering
decides that before a card exists).

Answers to a command are a :class:`Reply`: structured text (:class:`Message`,
made of paragraphs and bulleted lists of inline runs: plain text,
:class:`Strong`, :class:`Em`, :class:`Code`, :class:`Link`, :class:`When`,
:class:`Mention`, :class:`Badge`). Slack renders it as mrkdwn, the console as
plain text; nothing in a message is markup, so every run is escaped (or
cleaned) by the adapter that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Protocol

__all__ = [
    "Badge",
    "Block",
    "BulletList",
    "Card",
    "CardTone",
    "ChatPort",
    "Code",
    "Em",
    "Inline",
    "Link",
    "Mention",
    "Message",
    "MessageRef",
    "Page",
    "Paragraph",
    "Reply",
    "Section",
    "Strong",
    "Visibility",
    "When",
    "format_when",
    "message",
]


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


# What the bot says: chat-neutral structured text.


@dataclass(frozen=True, slots=True)
class Strong:
    """Text that stands out, e.g. a meeting's title (Slack: bold)."""

    text: str


@dataclass(frozen=True, slots=True)
class Em:
    """A side remark (Slack: italic)."""

    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """Something to type as written, e.g. ``/webex list``."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link: ``label`` where the chat can hide the address behind it."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class When:
    """A point in time. ``zone`` None: in each reader's own zone where the chat
    can do that (Slack), else in the chat's display zone; a zone: written in it."""

    at: datetime
    zone: tzinfo | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("When needs an aware datetime")


@dataclass(frozen=True, slots=True)
class Mention:
    """A chat user, by the chat's own user id (Slack: ``U…``)."""

    user_id: str


@dataclass(frozen=True, slots=True)
class Badge:
    """A state marker in a line, drawn as the card of that tone draws it."""

    tone: CardTone


#: One run of a paragraph or list item; a plain ``str`` is text as it reads.
Inline = str | Strong | Em | Code | Link | When | Mention | Badge
_INLINE_TYPES = (str, Strong, Em, Code, Link, When, Mention, Badge)


def _runs(parts: tuple[Inline, ...]) -> tuple[Inline, ...]:
    for part in parts:
        if not isinstance(part, _INLINE_TYPES):
            raise TypeError(f"not an inline run: {part!r}")
    return parts


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One line of runs."""

    parts: tuple[Inline, ...]

    def __post_init__(self) -> None:
        _runs(self.parts)


@dataclass(frozen=True, slots=True)
class BulletList:
    """A bulleted list, one line per item."""

    items: tuple[tuple[Inline, ...], ...]

    def __post_init__(self) -> None:
        for item in self.items:
            _runs(item)


Block = Paragraph | BulletList


@dataclass(frozen=True, slots=True)
class Message:
    """Blocks shown one under the other. ``a + b`` is ``a`` with ``b``'s blocks after it."""

    blocks: tuple[Block, ...]

    def __add__(self, other: Message) -> Message:
        return Message(self.blocks + other.blocks)


def message(*blocks: Block | str | tuple[Inline, ...]) -> Message:
    """A message from blocks; a ``str`` or a tuple of runs is a paragraph."""
    made: list[Block] = []
    for block in blocks:
        if isinstance(block, str):
            made.append(Paragraph((block,)))
        elif isinstance(block, tuple):
            made.append(Paragraph(block))
        else:
            made.append(block)
    return Message(tuple(made))


class Visibility(StrEnum):
    """Who sees an answer: the requester alone, or the whole channel."""

    EPHEMERAL = "ephemeral"
    IN_CHANNEL = "in_channel"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """The answer to one command.

    ``body`` goes to the requester (alone, unless ``visibility`` says the
    channel); ``announcement``, if any, to the channel, and never holds a password.
    """

    body: Message
    visibility: Visibility = Visibility.EPHEMERAL
    announcement: Message | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A headed part of a :class:`Page`."""

    heading: str
    body: Message


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A page a user opens on their own (Slack: App Home): a title, headed
    sections, and a footnote."""

    title: str
    sections: tuple[Section, ...]
    footnote: Message | None = None
