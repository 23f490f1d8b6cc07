"""The console chat and prompt: rendering, delivery bookkeeping, reading commands."""

from __future__ import annotations

import asyncio
import io
import os
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import adapters.console
from adapters.chat import Card, CardTone, ChatPort, MessageRef
from adapters.console import ConsoleChat, ConsolePrompt
from adapters.console.render import Palette, card_block, clean, color_wanted
from adapters.errors import ChatRejectedError, ChatTransientError
from tests.cancelling import cancel_when

START = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NAMES = {"C1": "#general", "C2": "design"}


def card(**changes: object) -> Card:
    fields: dict[str, object] = {
        "meeting_key": "123456789",
        "title": "Weekly sync",
        "host": "alice@example.com",
        "start": START,
        "duration_minutes": 90,
        "status": "Scheduled",
        "tone": CardTone.SCHEDULED,
        "join_url": "https://example.webex.com/j/123456789",
    }
    fields.update(changes)
    return Card(**fields)  # type: ignore[arg-type]


def make_chat(out: io.StringIO, **kwargs: object) -> ConsoleChat:
    return ConsoleChat(out, channel_names=NAMES, display_tz=BERLIN, **kwargs)  # type: ignore[arg-type]


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_exports() -> None:
    for name in adapters.console.__all__:
        assert hasattr(adapters.console, name), name


def test_console_chat_is_a_chat_port() -> None:
    port: ChatPort = ConsoleChat(io.StringIO())
    assert isinstance(port, ConsoleChat)


async def test_card_shows_channel_title_host_local_start_duration_status_link() -> None:
    out = io.StringIO()
    await make_chat(out).post_card("C1", card(), delivery_key="k1")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("┌─ #general ")
    assert lines[1] == "│ 📅 Weekly sync"
    assert lines[2] == "│ host alice@example.com · Sat 2026-11-28 14:00 CET · 1 h 30 min"
    assert lines[3] == "│ Scheduled"
    assert lines[4] == "│ join https://example.webex.com/j/123456789"
    assert lines[5].startswith("└─")
    assert len(lines) == 6


@pytest.mark.parametrize(
    ("tone", "emoji"),
    [
        (CardTone.SCHEDULED, "📅"),
        (CardTone.SOON, "⏰"),
        (CardTone.LIVE, "🟢"),
        (CardTone.WAITING, "⏳"),
        (CardTone.ENDED, "✅"),
        (CardTone.CANCELLED, "❌"),
    ],
)
async def test_each_tone_has_its_emoji(tone: CardTone, emoji: str) -> None:
    out = io.StringIO()
    await make_chat(out).post_card("C2", card(tone=tone, join_url=None), delivery_key="k")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("┌─ #design ")
    assert lines[1] == f"│ {emoji} Weekly sync"
    assert not any(line.startswith("│ join") for line in lines)


async def test_no_colour_on_a_plain_stream_and_colour_when_forced() -> None:
    plain, forced = io.StringIO(), io.StringIO()
    await make_chat(plain).post_card("C1", card(), delivery_key="k")
    await make_chat(forced, color=True).post_card("C1", card(), delivery_key="k")
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[32m" not in forced.getvalue()
    assert "\x1b[34m" in forced.getvalue()  # the scheduled tone's blue
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced.getvalue()) == plain.getvalue()


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),
        (False, {}, False),
    ],
)
def test_colour_only_for_a_terminal_without_no_color(
    tty: bool, environ: dict[str, str], expected: bool
) -> None:
    stream = TtyStringIO() if tty else io.StringIO()
    assert color_wanted(stream, environ) is expected


def test_colour_wanted_is_false_for_a_closed_stream() -> None:
    stream = io.StringIO()
    stream.close()
    assert color_wanted(stream, {}) is False


async def test_mention_like_title_is_printed_literally_and_controls_are_shown() -> None:
    out = io.StringIO()
    chat = make_chat(out, color=True)
    title = "<!channel> & <@U123> \x1b[2J\u202eevil"
    ref = await chat.post_card("C1", card(title=title), delivery_key="k")
    await chat.reply(ref, "ping <!here>\nsecond line", delivery_key="r")
    text = out.getvalue()
    assert "<!channel> & <@U123> \\x1b[2Jevil" in text
    assert "\x1b[2J" not in text
    assert "\u202e" not in text
    assert "ping <!here> second line" in text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("a\tb\r\nc", "a b  c"), ("\x00\x07", "\\x00\\x07"), ("\x9b31m", "\\x9b31m"), ("é✓", "é✓")],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


async def test_update_rewrites_the_card_under_the_same_ts() -> None:
    out = io.StringIO()
    chat = make_chat(out)
    ref = await chat.post_card("C1", card(), delivery_key="k1")
    await chat.update_card(
        ref, card(status="Live: host joined", tone=CardTone.LIVE), delivery_key="k2"
    )
    blocks = out.getvalue().split("┌─ ")[1:]
    assert len(blocks) == 2
    assert blocks[1].startswith("#general · updated ")
    assert "│ 🟢 Weekly sync" in blocks[1]
    assert "│ Live: host joined" in blocks[1]
    assert chat.messages == (ref,)


async def test_update_of_an_unknown_message_is_rejected() -> None:
    chat = make_chat(io.StringIO())
    with pytest.raises(ChatRejectedError, match="message_not_found"):
        await chat.update_card(MessageRef(channel="C1", ts="1.000100"), card(), delivery_key="k")


async def test_replies_are_indented_under_the_card_title() -> None:
    out = io.StringIO()
    chat = make_chat(out)
    ref = await chat.post_card("C1", card(), delivery_key="k1")
    out.truncate(0)
    out.seek(0)
    first = await chat.reply(ref, "host joined", delivery_key="r1")
    await chat.reply(first, "host left", delivery_key="r2")
    assert out.getvalue() == (
        "  ↳ #general · Weekly sync: host joined\n  ↳ #general · Weekly sync: host left\n"
    )


async def test_reply_to_an_unknown_parent_is_rejected() -> None:
    chat = make_chat(io.StringIO())
    with pytest.raises(ChatRejectedError, match="thread_not_found"):
        await chat.reply(MessageRef(channel="C1", ts="9.000100"), "x", delivery_key="r")


async def test_direct_messages() -> None:
    out = io.StringIO()
    chat = make_chat(out, known_emails={"Alice@example.com"})
    ref = await chat.direct_message("alice@example.com", "Your meeting starts", delivery_key="d1")
    missing = await chat.direct_message("mallory@example.com", "hi", delivery_key="d2")
    assert out.getvalue() == "✉ DM to alice@example.com: Your meeting starts\n"
    assert ref is not None and ref.channel == "@alice@example.com"
    assert missing is None
    assert await chat.find_delivery("@alice@example.com", "d1") == ref


async def test_ts_values_look_like_slack_and_increase() -> None:
    chat = make_chat(io.StringIO())
    ref = await chat.post_card("C1", card(), delivery_key="k1")
    refs = [ref]
    for n in range(3):
        refs.append(await chat.reply(ref, f"r{n}", delivery_key=f"r{n}"))
    refs.append(await chat.post_card("C2", card(), delivery_key="k2"))
    stamps = [r.ts for r in refs]
    assert all(re.fullmatch(r"\d{10}\.\d{6}", ts) for ts in stamps)
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == len(stamps)


async def test_find_delivery_answers_from_what_was_written() -> None:
    chat = make_chat(io.StringIO())
    ref = await chat.post_card("C1", card(), delivery_key="post")
    await chat.update_card(ref, card(status="Live"), delivery_key="update")
    reply = await chat.reply(ref, "host joined", delivery_key="reply")
    other = await chat.post_card("C2", card(), delivery_key="post-c2")

    assert await chat.find_delivery("C1", "post") == ref
    assert await chat.find_delivery("C1", "update") == ref
    assert await chat.find_delivery("C1", "never") is None
    assert await chat.find_delivery("C2", "post") is None
    assert await chat.find_delivery("C2", "post-c2") == other
    # Replies live in their thread, not in the channel's history.
    assert await chat.find_delivery("C1", "reply") is None
    assert await chat.find_delivery("C1", "reply", thread=ref) == reply
    assert await chat.find_delivery("C1", "post", thread=ref) == ref
    assert await chat.find_delivery("C1", "reply", thread=other) is None


async def test_a_failed_write_is_a_transient_chat_error_and_not_recorded() -> None:
    out = io.StringIO()
    chat = make_chat(out)
    out.close()
    with pytest.raises(ChatTransientError):
        await chat.post_card("C1", card(), delivery_key="k")
    assert await chat.find_delivery("C1", "k") is None


async def test_a_card_that_cannot_be_shown_is_rejected() -> None:
    chat = make_chat(io.StringIO())
    with pytest.raises(ChatRejectedError, match="invalid_blocks"):
        await chat.post_card("C1", card(tone="purple"), delivery_key="k")
    assert chat.messages == ()


async def test_a_stream_without_utf8_still_gets_the_text() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    chat = ConsoleChat(out, display_tz=UTC)
    await chat.direct_message("bob@example.com", "café ✓", delivery_key="d")
    assert raw.getvalue() == b"? DM to bob@example.com: caf? ?\n"
    out.close()


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, text: str) -> str:
        self.seen.append(text)
        if "boom" in text:
            raise RuntimeError("handler broke")
        return f"done: {text}\nsecond line"


async def run_prompt(data: bytes) -> tuple[Recorder, str]:
    read_fd, write_fd = os.pipe()
    handler, out = Recorder(), io.StringIO()
    try:
        os.write(write_fd, data)
        os.close(write_fd)
        await asyncio.wait_for(ConsolePrompt(handler, input_fd=read_fd, output=out).run(), 10)
    finally:
        os.close(read_fd)
    return handler, out.getvalue()


async def test_prompt_answers_webex_lines_from_a_pipe_until_eof() -> None:
    handler, text = await run_prompt(
        "/webex help\r\nhello\n\n   \n/webex boom\n/webexlist\n/webex list café".encode()
    )
    assert handler.seen == ["/webex help", "/webex boom", "/webex list café"]
    lines = text.splitlines()
    assert lines[0].startswith("Type a /webex command")
    assert lines[1:] == [
        "(only you) done: /webex help",
        "    second line",
        "(only you) commands start with /webex (try: /webex help)",
        "(only you) sorry, that command failed; the log says why",
        "(only you) commands start with /webex (try: /webex help)",
        "(only you) done: /webex list café",
        "    second line",
    ]


async def test_prompt_stops_at_immediate_eof_and_on_invalid_utf8() -> None:
    handler, text = await run_prompt(b"")
    assert handler.seen == []
    assert text.startswith("Type a /webex command")
    handler, _ = await run_prompt(b"/webex \xff\n")
    assert handler.seen == ["/webex \ufffd"]


async def test_prompt_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "commands.txt"
    path.write_text("/webex list\n")
    handler, out = Recorder(), io.StringIO()
    fd = os.open(path, os.O_RDONLY)
    try:
        await asyncio.wait_for(ConsolePrompt(handler, input_fd=fd, output=out).run(), 10)
    finally:
        os.close(fd)
    assert handler.seen == ["/webex list"]


async def test_prompt_with_a_closed_descriptor_just_stops() -> None:
    closed_fd = 4000  # far above anything this process opens
    with pytest.raises(OSError):
        os.fstat(closed_fd)
    handler = Recorder()
    prompt = ConsolePrompt(handler, input_fd=closed_fd, output=io.StringIO())
    await asyncio.wait_for(prompt.run(), 10)
    assert handler.seen == []


async def test_prompt_is_cancellable_while_waiting_for_input() -> None:
    read_fd, write_fd = os.pipe()
    handler, out = Recorder(), io.StringIO()
    task = asyncio.create_task(ConsolePrompt(handler, input_fd=read_fd, output=out).run())
    os.write(write_fd, b"/webex one\n")
    await cancel_when(task, lambda: bool(handler.seen))
    # The reader thread wakes at EOF, sees the prompt is gone and leaves.
    os.close(write_fd)
    for thread in threading.enumerate():
        if thread.name == "console-prompt":
            thread.join(10)
    os.close(read_fd)
    assert handler.seen == ["/webex one"]


def test_start_shown_in_local_time_by_default() -> None:
    block = card_block(
        "#x",
        card(start=START + timedelta(hours=1)),
        updated=False,
        palette=Palette(enabled=False),
        display_tz=None,
    )
    local = (START + timedelta(hours=1)).astimezone().strftime("%H:%M")
    assert f" {local} " in block
