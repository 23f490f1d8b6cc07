"""Logging set-up: one line per thing worth knowing, text or JSON.

Every module logs through ``logging.getLogger(__name__)`` under the ``bot``,
``adapters`` and ``state`` packages; this module only decides how lines look.
A redacting filter replaces any registered secret (tokens, passwords) that
might reach a message, as a last line of defence: code must not log secrets in
the first place. Text lines start with the UTC time, as every time the bot
writes is in UTC; :func:`clock_in_logs` makes them follow another clock (the
demo's simulated one).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

from state.clock import Clock

__all__ = ["JsonFormatter", "RedactSecrets", "clock_in_logs", "configure_logging"]

_REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces each known secret in the final message text with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short values would redact ordinary words; real secrets are longer.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, _REDACTED)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, _REDACTED)
            record.exc_info, record.exc_text = None, text
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and exc when any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    *,
    fmt: str = "text",
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in ``fmt``.

    Returns the handler, so a caller (a test) can remove it again.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        text = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        text.converter = time.gmtime
        handler.setFormatter(text)
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty libraries: their INFO lines say nothing an operator needs.
    for name in ("aiohttp.access", "apscheduler", "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # APScheduler warns of every skipped or missed run, and bot.watch.schedule
    # logs each of them itself with the job's name: one line per run, not two.
    for name in ("apscheduler.scheduler", "apscheduler.executors"):
        logging.getLogger(name).setLevel(max(level, logging.ERROR))
    return handler


class _Stamp(logging.Filter):
    """Dates each record by ``clock`` instead of the wall clock."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock

    def filter(self, record: logging.LogRecord) -> bool:
        at = self._clock().timestamp()
        record.created = at
        record.msecs = (at - int(at)) * 1000
        return True


@contextmanager
def clock_in_logs(clock: Clock) -> Iterator[None]:
    """While inside, every line the root logger's handlers write is dated by
    ``clock`` (aware UTC) instead of the wall clock: the demo's 30x simulated
    time, the one its cards show. Handlers added meanwhile are not affected."""
    stamp = _Stamp(clock)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(stamp)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(stamp)
