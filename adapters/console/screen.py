"""Screen: the terminal the console chat and its prompt share.

On a terminal the demo keeps a ``webex>`` prompt under the latest output:
every write first takes the prompt line away (carriage return, erase line),
writes, then shows the prompt again, so cards arriving every few seconds
neither bury the place to type nor land after the half-typed text. What was
typed is still in the terminal's line buffer and is sent on Enter. Without a
prompt (output to a file or pipe) writes pass through unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

__all__ = ["PROMPT", "Screen", "logs_above_the_prompt"]

#: Shown where the next command is typed.
PROMPT = "webex> "
#: Back to the start of the line and erase it (ANSI EL): the prompt goes.
_ERASE_LINE = "\r\x1b[K"


class Screen:
    """One output stream, with an optional prompt kept at its bottom.

    Args:
        stream: where to write; ``sys.stdout`` when None.
        prompt: True or False forces the prompt on or off; None shows it only
            when ``stream`` is a terminal.

    :meth:`write` raises what the stream raises (OSError, ValueError,
    AttributeError when there is no stream); text the stream cannot encode is
    written with ``?`` in its place.
    """

    def __init__(self, stream: TextIO | None = None, *, prompt: bool | None = None) -> None:
        self.stream = sys.stdout if stream is None else stream
        self._wanted = _is_terminal(self.stream) if prompt is None else prompt
        self._open = False  # a prompt reads input: show the marker
        self._shown = False  # the marker is the last thing on screen
        # Log records may come from other threads (the store's writer).
        self._lock = threading.RLock()

    @property
    def prompting(self) -> bool:
        """True while the prompt marker is kept under the output."""
        return self._open

    def open_prompt(self) -> None:
        """Show the prompt from now on (a no-op where no prompt is wanted)."""
        with self._lock:
            if self._wanted and not self._open:
                self._open = True
                self.write("")

    def close_prompt(self) -> None:
        """Stop showing the prompt, taking it off the screen."""
        with self._lock:
            self.lift()
            self._open = False

    def lift(self) -> None:
        """Take the prompt off the screen for a moment, so that something else can
        write a line there; :meth:`refresh` shows it again."""
        with self._lock:
            if self._shown:
                self._emit(_ERASE_LINE)
                self._shown = False

    @contextlib.contextmanager
    def above(self) -> Iterator[None]:
        """Inside, write to the terminal by other means (another stream): the
        prompt is lifted first and shown again after. Output errors are ignored."""
        with self._lock:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self.lift()
            try:
                yield
            finally:
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    self.refresh()

    def entered(self, *, echoed: bool) -> None:
        """A line was read. ``echoed``: the terminal showed it and moved to a new
        line, so the prompt is no longer the last thing on screen."""
        if echoed:
            with self._lock:
                self._shown = False

    def refresh(self) -> None:
        """Show the prompt again if it is open and not on screen."""
        with self._lock:
            if self._open and not self._shown:
                self.write("")

    def write(self, text: str) -> None:
        """Write ``text`` (whole lines) above the prompt, then show the prompt again."""
        with self._lock:
            out = _ERASE_LINE if self._shown else ""
            out += text
            if self._open:
                out += PROMPT
            self._emit(out)
            self._shown = self._open

    def _emit(self, text: str) -> None:
        try:
            self.stream.write(text)
        except UnicodeEncodeError:
            # A terminal without UTF-8 still gets the message, with ? for the
            # box drawing and emoji it cannot show.
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            self.stream.write(text.encode(encoding, "replace").decode(encoding))
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class _AboveThePrompt(logging.Handler):
    """Hands each record to the ``inner`` handlers (those whose level it meets, as
    the logger would), the prompt lifted once around them all."""

    def __init__(self, inner: list[logging.Handler], screen: Screen) -> None:
        super().__init__()
        self.inner = inner
        self._screen = screen

    def handle(self, record: logging.LogRecord) -> bool:
        with self._screen.above():
            for handler in self.inner:
                if record.levelno >= handler.level:
                    handler.handle(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)


@contextlib.contextmanager
def logs_above_the_prompt(screen: Screen) -> Iterator[None]:
    """While inside, the root logger's handlers write above ``screen``'s prompt
    (log lines on stderr share the terminal with it); restored on exit."""
    root = logging.getLogger()
    inner = list(root.handlers)
    wrapper = _AboveThePrompt(inner, screen)
    for handler in inner:
        root.removeHandler(handler)
    root.addHandler(wrapper)
    try:
        yield
    finally:
        root.removeHandler(wrapper)
        for handler in inner:
            root.addHandler(handler)
