"""How the console shows what a channel sees: pure text formatting, no I/O.

Everything that reaches the terminal passes :func:`clean` first: Webex titles
and user text are printed literally (``<!channel>`` stays ``<!channel>``), but
control characters are made visible so a title cannot move the cursor, clear
the screen or recolour the terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import TextIO

from adapters.chat import (
    Badge,
    Block,
    BulletList,
    Card,
    CardTone,
    Code,
    Em,
    Inline,
    Link,
    Mention,
    Message,
    Reply,
    Strong,
    When,
    format_when,
)

__all__ = [
    "Palette",
    "card_block",
    "channel_label",
    "clean",
    "color_wanted",
    "dm_line",
    "plain",
    "reply_line",
    "reply_text",
]

_RESET = "\x1b[0m"
_BOLD = "1"
_DIM = "2"

#: Emoji first (it reads without colour), then the ANSI colour of the tone.
_TONES: Mapping[CardTone, tuple[str, str]] = {
    CardTone.SCHEDULED: ("📅", "34"),
    CardTone.SOON: ("⏰", "33"),
    CardTone.LIVE: ("🟢", "32"),
    CardTone.WAITING: ("⏳", "35"),
    CardTone.ENDED: ("✅", "90"),
    CardTone.CANCELLED: ("❌", "31"),
}


def color_wanted(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """True when ``stream`` is a terminal and ``NO_COLOR`` is unset or empty
    (the https://no-color.org convention)."""
    if environ.get("NO_COLOR", ""):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        # A closed or exotic stream: plain text is always safe.
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Palette:
    """Wraps text in ANSI SGR codes, or leaves it alone when ``enabled`` is False."""

    enabled: bool

    def paint(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"


def clean(text: str) -> str:
    """``text`` on one line with every control character shown, never obeyed.

    Line breaks and tabs become spaces; other C0/C1 controls (ESC among them)
    become ``\\xNN``-style escapes; bidirectional overrides are dropped so a
    title cannot reorder what follows it.
    """
    out: list[str] = []
    for ch in text:
        if ch in "\r\n\t":
            out.append(" ")
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}")
        elif ch in _BIDI_CONTROLS:
            continue
        else:
            out.append(ch)
    return "".join(out)


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def channel_label(channel: str, names: Mapping[str, str]) -> str:
    """The display name of ``channel``: its mapped name, else the id, shown as
    ``#name`` unless it already starts with ``#`` or ``@``."""
    name = clean(names.get(channel, channel))
    return name if name.startswith(("#", "@")) else f"#{name}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def card_block(
    label: str,
    card: Card,
    *,
    updated: bool,
    palette: Palette,
    display_tz: tzinfo | None,
) -> str:
    """A card as a boxed block of lines, ending in a newline.

    Args:
        label: the channel's display name (see :func:`channel_label`).
        card: what the channel sees.
        updated: True when this replaces an earlier rendering of the same message.
        palette: colours, or none.
        display_tz: the zone the start time is shown in; None means local time.
    """
    emoji, colour = _TONES[card.tone]
    bar = palette.paint("│", colour)
    head = f"{label} · updated" if updated else label
    when = f"{format_when(card.start, display_tz)} · {_duration(card.duration_minutes)}"
    lines = [
        palette.paint(f"┌─ {head} " + "─" * max(4, 40 - len(head)), colour),
        f"{bar} {emoji} {palette.paint(clean(card.title), _BOLD)}",
        f"{bar} host {clean(card.host)} · {when}",
        f"{bar} {palette.paint(clean(card.status), colour)}",
    ]
    if card.join_url:
        lines.append(f"{bar} join {palette.paint(clean(card.join_url), _DIM)}")
    lines.append(palette.paint("└" + "─" * 44, colour))
    return "\n".join(lines) + "\n"


def reply_line(label: str, parent_title: str, text: str, *, palette: Palette) -> str:
    """A thread reply, indented under its card: ``  ↳ #general · Weekly sync: text``."""
    where = palette.paint(f"{label} · {clean(parent_title)}:", _DIM)
    return f"  ↳ {where} {clean(text)}\n"


def dm_line(user_email: str, text: str, *, palette: Palette) -> str:
    """A direct message: ``✉ DM to alice@example.com: text``."""
    return f"✉ {palette.paint(f'DM to {clean(user_email)}:', _BOLD)} {clean(text)}\n"


def _run(part: Inline, display_tz: tzinfo | None) -> str:
    if isinstance(part, str):
        return clean(part)
    if isinstance(part, Strong | Em):
        return clean(part.text)
    if isinstance(part, Code):
        return f"`{clean(part.text)}`"
    if isinstance(part, Link):
        # A terminal cannot hide an address behind a label: the address is what helps.
        return clean(part.url)
    if isinstance(part, When):
        return format_when(part.at, display_tz if part.zone is None else part.zone)
    if isinstance(part, Mention):
        return f"@{clean(part.user_id)}"
    if isinstance(part, Badge):
        return _TONES[part.tone][0]
    raise TypeError(f"not an inline run: {part!r}")


def _block(block: Block, display_tz: tzinfo | None) -> str:
    if isinstance(block, BulletList):
        return "\n".join("• " + "".join(_run(p, display_tz) for p in item) for item in block.items)
    return "".join(_run(p, display_tz) for p in block.parts)


def plain(message: Message, *, display_tz: tzinfo | None) -> str:
    """``message`` as terminal text: one line per paragraph and list item, no
    markup, every run cleaned (see :func:`clean`).

    Args:
        display_tz: the zone of times meant for each reader's own zone; None
            means local time.
    """
    return "\n".join(_block(block, display_tz) for block in message.blocks)


def reply_text(reply: Reply, *, channel: str, display_tz: tzinfo | None) -> str:
    """A command's answer as the console prompt shows it: the body, then the
    channel's announcement, if any, as ``(to #general) …``.

    Args:
        channel: the display name of the requester's channel (see :func:`channel_label`).
        display_tz: as for :func:`plain`.
    """
    text = plain(reply.body, display_tz=display_tz)
    if reply.announcement is not None:
        text += f"\n(to {channel}) {plain(reply.announcement, display_tz=display_tz)}"
    return text
