"""The demo's ``webex>`` prompt stays under the latest output: unit tests of the
shared screen, the chat and prompt sharing one, and the real demo in a
pseudo-terminal, as a person at a keyboard sees it."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pty
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.chat import Card, CardTone
from adapters.console import PROMPT, ConsoleChat, ConsolePrompt, Screen, logs_above_the_prompt
from tests.fakes.net import free_port

ERASE = "\r\x1b[K"
CARD = Card(
    meeting_key="123456789",
    title="Weekly sync",
    host="alice@acme.example",
    start=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    duration_minutes=30,
    status="Scheduled",
    tone=CardTone.SCHEDULED,
)


def test_the_prompt_is_shown_after_each_write_and_taken_away_before_the_next() -> None:
    out = io.StringIO()
    screen = Screen(out, prompt=True)
    screen.write("before\n")
    screen.open_prompt()
    screen.write("card\n")
    screen.write("reply\n")
    screen.close_prompt()
    screen.write("after\n")
    assert out.getvalue() == (
        f"before\n{PROMPT}{ERASE}card\n{PROMPT}{ERASE}reply\n{PROMPT}{ERASE}after\n"
    )


def test_an_echoed_line_ends_the_prompt_line_so_nothing_is_erased() -> None:
    out = io.StringIO()
    screen = Screen(out, prompt=True)
    screen.open_prompt()
    screen.entered(echoed=True)  # the terminal moved to a new line on Enter
    screen.write("(only you) ok\n")
    screen.entered(echoed=True)
    screen.refresh()  # an empty line: the prompt comes back all the same
    # (Between the last two prompts the terminal itself wrote the Enter.)
    assert out.getvalue() == f"{PROMPT}(only you) ok\n{PROMPT}{PROMPT}"


@pytest.mark.parametrize("prompt", [False, None])
def test_no_prompt_off_a_terminal_or_when_turned_off(prompt: bool | None) -> None:
    out = io.StringIO()  # not a terminal
    screen = Screen(out, prompt=prompt)
    screen.open_prompt()
    screen.write("card\n")
    screen.refresh()
    screen.close_prompt()
    assert out.getvalue() == "card\n"
    assert not screen.prompting


async def test_chat_and_prompt_sharing_a_screen_keep_the_prompt_last() -> None:
    out = io.StringIO()
    screen = Screen(out, prompt=True)
    chat = ConsoleChat(screen=screen, channel_names={"C1": "#general"}, color=False)
    read_fd, write_fd = os.pipe()
    answered = asyncio.Event()

    async def handler(line: str) -> str:
        answered.set()
        return f"got {line}"

    prompt = asyncio.create_task(ConsolePrompt(handler, input_fd=read_fd, screen=screen).run())
    try:
        for _ in range(1000):
            if screen.prompting:
                break
            await asyncio.sleep(0.01)
        await chat.post_card("C1", CARD, delivery_key="k1")
        assert out.getvalue().endswith(f"└{'─' * 44}\n{PROMPT}")
        os.write(write_fd, b"/webex list\n")
        await asyncio.wait_for(answered.wait(), 10)
        for _ in range(1000):
            if out.getvalue().endswith(PROMPT) and "got /webex list" in out.getvalue():
                break
            await asyncio.sleep(0.01)
        # A pipe echoes nothing: the prompt line is erased before the reply.
        assert out.getvalue().endswith(f"{PROMPT}{ERASE}(only you) got /webex list\n{PROMPT}")
    finally:
        os.close(write_fd)
        await asyncio.wait_for(prompt, 10)
        os.close(read_fd)
    assert out.getvalue().endswith(f"(only you) got /webex list\n{PROMPT}{ERASE}")


def _read_until(fd: int, seen: bytearray, wanted: bytes, *, after: int = 0) -> int:
    """Read the pseudo-terminal until ``wanted`` appears at or after ``after``;
    returns where it ends."""
    while (at := seen.find(wanted, after)) < 0:
        ready = _wait_readable(fd, 40)
        assert ready, f"no {wanted!r} in:\n{bytes(seen[-2000:]).decode(errors='replace')}"
        seen += os.read(fd, 65536)
    return at + len(wanted)


def _wait_readable(fd: int, seconds: float) -> bool:
    import select

    return bool(select.select([fd], [], [], seconds)[0])


@pytest.mark.timeout(90)
def test_the_demo_in_a_terminal_keeps_a_webex_prompt_under_its_cards(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_", "DATABASE_"))
    }
    env.update({"NO_COLOR": "1", "PORT": str(free_port())})
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    os.close(slave)
    seen = bytearray()
    try:
        prompt = PROMPT.encode()
        first = _read_until(master, seen, prompt)
        # Cards keep arriving: each is followed by the prompt again.
        end = _read_until(master, seen, b"\xe2\x94\x94", after=first)  # a card's last line: └
        _read_until(master, seen, b"\r\n" + prompt, after=end)
        os.write(master, b"/webex help\n")
        typed = _read_until(master, seen, b"/webex help\r\n(only you) Usage")
        _read_until(master, seen, b"\r\n" + prompt, after=typed)
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        os.close(master)
        assert process.stderr is not None
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    assert "meetbot: stopped" in stderr
    screen = bytes(seen).decode(errors="replace")
    # Past the first prompt, every card ends with the prompt under it.
    for block in screen[screen.index(PROMPT) :].split("└")[1:]:
        line_end = block.find("\r\n")
        assert line_end >= 0 and block[line_end:].startswith(f"\r\n{PROMPT}"), block[:200]


def test_log_lines_go_above_the_prompt_while_it_is_open() -> None:
    out = io.StringIO()
    screen = Screen(out, prompt=True)
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with logs_above_the_prompt(screen):
            assert handler not in root.handlers
            screen.open_prompt()
            logging.getLogger("meetbot.test").warning("signed in")
        assert handler in root.handlers
        logging.getLogger("meetbot.test").warning("after")
    finally:
        root.removeHandler(handler)
    assert out.getvalue() == f"{PROMPT}{ERASE}signed in\n{PROMPT}after\n"
