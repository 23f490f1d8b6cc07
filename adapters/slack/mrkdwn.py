"""Text for Slack's mrkdwn: escaping, replies and pages rendered from the
chat-neutral values of :mod:`adapters.chat`, and the card's Block Kit layout. Pure.

Every run of text is escaped here, so a title like ``<!channel>`` pings nobody;
the markup (``*bold*``, ``<url|label>``, ``<!date^…>``, ``<@U…>``) is only ever
written by this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

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
    Page,
    Strong,
    When,
    format_when,
)

__all__ = [
    "DELIVERY_EVENT_TYPE",
    "MAX_KEPT_KEYS",
    "card_blocks",
    "card_fallback",
    "date_token",
    "delivery_keys",
    "delivery_metadata",
    "escape",
    "mrkdwn",
    "page_blocks",
]

#: ``metadata.event_type`` of every message the bot posts.
DELIVERY_EVENT_TYPE = "meetbot_delivery"

_TONE_EMOJI = {
    CardTone.SCHEDULED: ":calendar:",
    CardTone.SOON: ":alarm_clock:",
    CardTone.LIVE: ":red_circle:",
    CardTone.WAITING: ":hourglass_flowing_sand:",
    CardTone.ENDED: ":white_check_mark:",
    CardTone.CANCELLED: ":x:",
}


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters, so that
    ``<!channel>`` or ``<@U123>`` in a title shows as text and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: How many earlier delivery keys an edited card keeps in its metadata.
MAX_KEPT_KEYS = 20


def delivery_metadata(delivery_key: str, earlier: Sequence[str] = ()) -> dict[str, Any]:
    """Message metadata carrying the delivery key (and, for an edited card, the keys
    it carried before, newest last), found again by find_delivery."""
    payload: dict[str, Any] = {"delivery_key": delivery_key}
    kept = [k for k in earlier if k != delivery_key][-(MAX_KEPT_KEYS - 1) :]
    if kept:
        payload["earlier_keys"] = kept
    return {"event_type": DELIVERY_EVENT_TYPE, "event_payload": payload}


def delivery_keys(message: Any) -> tuple[str, ...]:
    """Every delivery key a message's metadata names (oldest first); () for
    messages the bot did not post."""
    if not isinstance(message, Mapping):
        return ()
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != DELIVERY_EVENT_TYPE:
        return ()
    payload = metadata.get("event_payload")
    if not isinstance(payload, Mapping):
        return ()
    earlier = payload.get("earlier_keys")
    keys = [str(k) for k in earlier] if isinstance(earlier, list) else []
    if payload.get("delivery_key") is not None:
        keys.append(str(payload["delivery_key"]))
    return tuple(keys)


def card_fallback(card: Card) -> str:
    """The notification text of a card (also what clients without blocks show)."""
    return f"{escape(card.title)}: {escape(card.status)}"


def date_token(at: datetime) -> str:
    """``at`` as Slack shows it in each reader's own time zone; the fallback
    (clients that cannot) is :func:`format_when` in UTC."""
    unix = int(at.timestamp())
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{format_when(at)}>"


def _run(part: Inline) -> str:
    if isinstance(part, str):
        return escape(part)
    if isinstance(part, Strong):
        return f"*{escape(part.text)}*"
    if isinstance(part, Em):
        return f"_{escape(part.text)}_"
    if isinstance(part, Code):
        return f"`{escape(part.text)}`"
    if isinstance(part, Link):
        return f"<{escape(part.url)}|{escape(part.label)}>"
    if isinstance(part, When):
        return date_token(part.at) if part.zone is None else escape(format_when(part.at, part.zone))
    if isinstance(part, Mention):
        return f"<@{escape(part.user_id)}>"
    if isinstance(part, Badge):
        return _TONE_EMOJI[part.tone]
    raise TypeError(f"not an inline run: {part!r}")


def _runs(parts: Sequence[Inline]) -> str:
    return "".join(_run(part) for part in parts)


def _block(block: Block) -> str:
    if isinstance(block, BulletList):
        return "\n".join(f"• {_runs(item)}" for item in block.items)
    return _runs(block.parts)


def mrkdwn(message: Message) -> str:
    """``message`` as mrkdwn text: one line per paragraph and per list item."""
    return "\n".join(_block(block) for block in message.blocks)


def page_blocks(page: Page) -> list[dict[str, Any]]:
    """Block Kit for a page (App Home): a header, a section per heading, and
    the footnote as context."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": page.title}}
    ]
    for section in page.sections:
        text = f"*{escape(section.heading)}*\n{mrkdwn(section.body)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if page.footnote is not None:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(page.footnote)}]}
        )
    return blocks


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """Block Kit for a meeting card: title, host, start, status line, Join button."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape(card.title)}*"},
            "fields": [
                {"type": "mrkdwn", "text": f"*Host*\n{escape(card.host)}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Starts*\n{date_token(card.start)} ({card.duration_minutes} min)",
                },
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{_TONE_EMOJI[card.tone]} {escape(card.status)}"
                    f" · meeting {escape(card.meeting_key)}",
                }
            ],
        },
    ]
    if card.join_url and card.tone not in (CardTone.ENDED, CardTone.CANCELLED):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Join"},
                        "url": card.join_url,
                        "action_id": "join_meeting",
                        "style": "primary",
                    }
                ],
            }
        )
    return blocks
