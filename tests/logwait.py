"""Wait for a log line instead of polling: an Event set once a logger has
written a message containing some text so many times."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Counting(logging.Handler):
    def __init__(self, text: str, count: int) -> None:
        super().__init__(logging.DEBUG)
        self.text = text
        self.count = count
        self.seen = 0
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen += 1
            if self.seen >= self.count:
                self.event.set()


@contextmanager
def logged(logger: str, text: str, count: int = 1) -> Iterator[asyncio.Event]:
    """While inside, ``logger`` writes DEBUG and up; the Event is set once it has
    written ``count`` messages containing ``text``. Records are emitted on the
    thread that logs them: use it for code that logs on the event loop."""
    target = logging.getLogger(logger)
    handler = _Counting(text, count)
    level = target.level
    target.setLevel(logging.DEBUG)
    target.addHandler(handler)
    try:
        yield handler.event
    finally:
        target.removeHandler(handler)
        target.setLevel(level)
