"""One date format everywhere a reader sees a time: cards, notifications, command
replies, Slack's fallbacks and the console."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from adapters.chat import Card, CardTone, format_when, message
from adapters.console import ConsoleChat
from adapters.console.render import plain
from adapters.slack.mrkdwn import card_blocks, mrkdwn
from bot.commands.replies import local_time
from bot.notify.render import render_card, render_event
from state.model import Event, EventKind, MeetingSnapshot

AT = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
#: Weekday, ISO date, 24-hour time, zone.
SHAPE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Za-z_/+:0-9-]+")


@pytest.mark.parametrize(
    ("tz", "text"),
    [
        (UTC, "Wed 2026-12-02 00:00 UTC"),
        (ZoneInfo("UTC"), "Wed 2026-12-02 00:00 UTC"),
        (ZoneInfo("Europe/Berlin"), "Wed 2026-12-02 01:00 CET"),
        (ZoneInfo("America/New_York"), "Tue 2026-12-01 19:00 EST"),
        # No letters in the abbreviation ("-03"): the IANA name says more.
        (ZoneInfo("America/Sao_Paulo"), "Tue 2026-12-01 21:00 America/Sao_Paulo"),
        (timezone(timedelta(hours=5, minutes=30)), "Wed 2026-12-02 05:30 UTC+05:30"),
    ],
)
def test_format_when(tz: object, text: str) -> None:
    assert format_when(AT, tz) == text  # type: ignore[arg-type]


def test_summer_time_shows_its_own_abbreviation() -> None:
    assert (
        format_when(AT.replace(month=7), ZoneInfo("Europe/Berlin")) == "Thu 2026-07-02 02:00 CEST"
    )


def _shapes(text: str) -> set[str]:
    return {m.group(0) for m in SHAPE.finditer(text)}


async def test_card_and_notification_in_the_console_write_the_start_alike() -> None:
    snapshot = MeetingSnapshot(
        key="123456789",
        title="Weekly sync",
        host_id="alice",
        last_seen=AT,
        host_email="alice@acme.example",
        start=AT,
        duration_minutes=30,
    )
    out = io.StringIO()
    chat = ConsoleChat(out, display_tz=UTC, color=False)
    ref = await chat.post_card("C1", render_card(snapshot, AT), delivery_key="k1")
    text = render_event(Event(kind=EventKind.SCHEDULED, meeting_key="123456789", at=AT), snapshot)
    await chat.reply(ref, text, delivery_key="k2")
    assert _shapes(out.getvalue()) == {"Wed 2026-12-02 00:00 UTC"}
    assert "02 Dec" not in out.getvalue()


def test_replies_and_slack_fallbacks_use_it_too() -> None:
    in_berlin = message((local_time(AT, ZoneInfo("Europe/Berlin")),))
    assert mrkdwn(in_berlin) == "Wed 2026-12-02 01:00 CET"
    assert plain(in_berlin, display_tz=UTC) == "Wed 2026-12-02 01:00 CET"
    card = Card(
        meeting_key="1",
        title="t",
        host="h",
        start=AT,
        duration_minutes=30,
        status="Scheduled",
        tone=CardTone.SCHEDULED,
    )
    assert "|Wed 2026-12-02 00:00 UTC>" in str(card_blocks(card))
