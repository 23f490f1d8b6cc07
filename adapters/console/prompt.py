"""ConsolePrompt: type ``/webex`` commands into the terminal the demo runs in.

Lines are read by a daemon thread with ``os.read`` on the raw descriptor. Not
``loop.connect_read_pipe``: it refuses regular files (``< commands.txt``) and
sets O_NONBLOCK on the descriptor, which a terminal shares with stdout, so
ordinary writes could then fail with BlockingIOError. Not ``asyncio.to_thread``
either: ``asyncio.run`` waits for its executor at exit, and a read blocked on a
terminal never returns. Raw ``os.read`` also takes no lock of ``sys.stdin``'s
buffer, which a daemon thread must not hold when the interpreter exits.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import select
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TextIO

from adapters.console.render import clean
from adapters.console.screen import Screen

__all__ = ["COMMAND_PREFIX", "ConsolePrompt", "Handler"]

logger = logging.getLogger("meetbot.console")

#: Lines starting with this go to the handler; others get a hint.
COMMAND_PREFIX = "/webex"

Handler = Callable[[str], Awaitable[str]]

_HINT = (
    "Type a /webex command and press Enter (try: /webex help). "
    "Ctrl-D stops the prompt, Ctrl-C stops the demo."
)
_NOT_A_COMMAND = "commands start with /webex (try: /webex help)"
_FAILED = "sorry, that command failed; the log says why"
_READ_SIZE = 4096


class ConsolePrompt:
    """Reads lines from a file descriptor and answers ``/webex`` commands.

    Each line starting with :data:`COMMAND_PREFIX` is passed, stripped, to
    ``handler``; its reply is written as ``(only you) ...``, the way Slack shows
    an ephemeral answer. Reading stops at end of input, when the descriptor is
    closed or unreadable, or when :meth:`run` is cancelled.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        input_fd: int | None = None,
        output: TextIO | None = None,
        screen: Screen | None = None,
    ) -> None:
        """
        Args:
            handler: answers one command line; exceptions it raises are logged
                and shown as a short apology, never end the prompt.
            input_fd: where lines come from; stdin's descriptor when None.
            output: where the hint and replies go; ``sys.stdout`` when None.
            screen: the screen shared with the chat; on a terminal it keeps a
                ``webex>`` prompt under the output while lines are read. When
                given, ``output`` is not used.
        """
        self._handler = handler
        self._fd = input_fd
        self._screen = screen if screen is not None else Screen(output)

    async def run(self) -> None:
        """Print a hint, then answer lines until the input ends. Cancellable."""
        self._say(_HINT)
        fd = self._fd if self._fd is not None else _stdin_fd()
        if fd is None:
            logger.info("console prompt: no standard input to read")
            return
        # A terminal echoes what is typed, Enter included; a pipe or file does not.
        echoed = _is_tty(fd)
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        stop = threading.Event()
        reader = threading.Thread(
            target=_pump, args=(fd, loop, lines, stop), name="console-prompt", daemon=True
        )
        reader.start()
        self._screen.open_prompt()
        try:
            while (line := await lines.get()) is not None:
                self._screen.entered(echoed=echoed)
                await self._answer(line.strip())
                self._screen.refresh()
        finally:
            # The thread may sit in os.read until the next line or EOF; it checks
            # this flag then and leaves without touching the loop.
            stop.set()
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self._screen.close_prompt()

    async def _answer(self, line: str) -> None:
        if not line:
            return
        if line.split(maxsplit=1)[0] != COMMAND_PREFIX:
            self._say(f"(only you) {_NOT_A_COMMAND}")
            return
        try:
            reply = await self._handler(line)
        except Exception:
            logger.exception("console command failed")
            reply = _FAILED
        self._say(f"(only you) {reply}")

    def _say(self, text: str) -> None:
        body = "\n    ".join(clean(part) for part in text.splitlines() or [""])
        try:
            self._screen.write(body + "\n")
        except (OSError, ValueError, AttributeError):
            # Output is gone (closed terminal or pipe): nobody is left to tell.
            logger.debug("console prompt: output not writable")


def _is_tty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _stdin_fd() -> int | None:
    try:
        return sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        # No stdin at all (None), a closed one, or one without a descriptor.
        return None


def _pump(
    fd: int,
    loop: asyncio.AbstractEventLoop,
    lines: asyncio.Queue[str | None],
    stop: threading.Event,
) -> None:
    """Thread body: read ``fd`` to its end, queue each line, then queue None."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while not stop.is_set():
        chunk = _read(fd)
        pending += decoder.decode(chunk, final=not chunk)
        *complete, pending = pending.split("\n")
        items: list[str | None] = list(complete)
        if not chunk:
            # The last line may lack its newline; None then says "no more".
            items += [pending, None] if pending else [None]
        for item in items:
            if stop.is_set() or not _deliver(loop, lines, item):
                return
        if not chunk:
            return


def _read(fd: int) -> bytes:
    """The next bytes of ``fd``; b"" at end of input or when it cannot be read."""
    while True:
        try:
            return os.read(fd, _READ_SIZE)
        except BlockingIOError:
            # Someone else set O_NONBLOCK on a shared descriptor: wait for data.
            with contextlib.suppress(OSError, ValueError):
                select.select([fd], [], [], 0.5)
        except OSError:
            return b""


def _deliver(
    loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None], item: str | None
) -> bool:
    try:
        loop.call_soon_threadsafe(lines.put_nowait, item)
    except RuntimeError:
        # The loop has closed: the prompt is gone.
        return False
    return True
