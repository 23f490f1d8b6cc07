"""Text for Slack's mrkdwn: escaping and the card's Block Kit layout. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.chat import Card, CardTone, format_when

__all__ = [
    "DELIVERY_EVENT_TYPE",
    "MAX_KEPT_KEYS",
    "card_blocks",
    "card_fallback",
    "delivery_keys",
    "delivery_metadata",
    "escape",
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


def _date_token(card: Card) -> str:
    # Slack renders <!date^...> in each reader's own time zone; the fallback is UTC.
    unix = int(card.start.timestamp())
    fallback = format_when(card.start)
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


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
                    "text": f"*Starts*\n{_date_token(card)} ({card.duration_minutes} min)",
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
