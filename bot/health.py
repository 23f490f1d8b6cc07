"""Component health: what each part of the service last said about itself.

Parts report into one :class:`HealthRegistry` (the database after each write,
the watcher after each sign-in and poll, the dispatcher after each round, the
Slack side after ``auth.test``); ``/readyz`` and ``/metrics`` read it. The
registry holds plain state and asks its clock for the time: it does no I/O,
never raises on a report, and knows nothing of the parts.

Rules:

1. A component is ``starting`` from :meth:`HealthRegistry.expect` until its
   first report, then ``ok`` or ``failing`` as last reported.
2. ``since`` is when the component's status last changed, not when it last
   reported: a report that repeats the status keeps ``since`` (the detail is
   still replaced).
3. A heartbeat (:meth:`HealthRegistry.beat`) is an ``ok`` report that expires:
   with no newer beat within ``within``, the component is ``failing`` from the
   moment it expired (that moment is its ``since``). A later
   :meth:`HealthRegistry.report` cancels the expiry.
4. The service is ready when every *required* component is ``ok``. A component
   reported without :meth:`HealthRegistry.expect` is required; an optional one
   (``expect(..., required=False)``) is shown but never makes the service
   unready.

Beside it, :class:`FailureStreak` is what every repeating loop (the
scheduler's jobs, the watcher's polls, the dispatcher's rounds) counts its
consecutive failures with, and logs the one "recovered" line by.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from state.clock import Clock

__all__ = ["ComponentHealth", "FailureStreak", "HealthRegistry", "Status"]


class Status(StrEnum):
    STARTING = "starting"
    OK = "ok"
    FAILING = "failing"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentHealth:
    """One component's state as of one moment.

    Attributes:
        name: e.g. ``database``, ``webex``, ``slack``, ``dispatcher``.
        status: see :class:`Status`.
        since: when ``status`` began (aware UTC).
        detail: one operator-readable line: why it fails, or what it last did.
        required: whether the service's readiness depends on it.
    """

    name: str
    status: Status
    since: datetime
    detail: str
    required: bool

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a component needs a name")
        if self.since.tzinfo is None:
            raise ValueError("since must be timezone-aware")

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "since": self.since.isoformat(),
            "detail": self.detail,
            "required": self.required,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    health: ComponentHealth
    #: A heartbeat's expiry; None for a plain report.
    expires_at: datetime | None = None
    expired_detail: str = ""


class HealthRegistry:
    """Every component's health; see the module docstring for the rules.

    Args:
        clock: returns the current aware UTC time.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    def expect(self, name: str, *, required: bool = True, detail: str = "not reported yet") -> None:
        """Declare ``name`` (``starting`` until its first report). Declaring it
        again only changes ``required``."""
        entry = self._entries.get(name)
        if entry is not None:
            self._entries[name] = replace(entry, health=replace(entry.health, required=required))
            return
        self._entries[name] = _Entry(
            health=ComponentHealth(
                name=name,
                status=Status.STARTING,
                since=self._clock(),
                detail=detail,
                required=required,
            )
        )

    def report(self, name: str, *, ok: bool, detail: str = "") -> None:
        """Record that ``name`` works (``ok``) or fails, with one line saying why."""
        self._set(name, Status.OK if ok else Status.FAILING, detail, expires_at=None)

    def beat(self, name: str, *, within: timedelta, detail: str = "", expired: str = "") -> None:
        """Record that ``name`` just did its work and must do it again within
        ``within``; otherwise it is ``failing`` with the detail ``expired``
        (default: "no progress for <within>")."""
        if within <= timedelta(0):
            raise ValueError("within must be positive")
        now = self._clock()
        self._set(
            name,
            Status.OK,
            detail,
            expires_at=now + within,
            expired_detail=expired or f"no progress for {_span(within)}",
        )

    def component(self, name: str) -> ComponentHealth | None:
        """``name``'s health now, or None if it was never declared or reported."""
        entry = self._entries.get(name)
        return None if entry is None else self._evaluate(entry, self._clock())

    def components(self) -> list[ComponentHealth]:
        """Every component's health now, by name."""
        now = self._clock()
        return [self._evaluate(self._entries[n], now) for n in sorted(self._entries)]

    def ready(self) -> bool:
        """True when every required component is ``ok``."""
        return all(c.status is Status.OK for c in self.components() if c.required)

    def as_json(self) -> dict[str, Any]:
        """``{"ready": bool, "components": {name: {...}}}`` for ``/readyz``."""
        components = self.components()
        return {
            "ready": all(c.status is Status.OK for c in components if c.required),
            "components": {c.name: c.as_json() for c in components},
        }

    def _set(
        self,
        name: str,
        status: Status,
        detail: str,
        *,
        expires_at: datetime | None,
        expired_detail: str = "",
    ) -> None:
        now = self._clock()
        entry = self._entries.get(name)
        if entry is None:
            since, required = now, True
        else:
            current = self._evaluate(entry, now)
            since = current.since if current.status is status else now
            required = entry.health.required
        self._entries[name] = _Entry(
            health=ComponentHealth(
                name=name, status=status, since=since, detail=detail, required=required
            ),
            expires_at=expires_at,
            expired_detail=expired_detail,
        )

    @staticmethod
    def _evaluate(entry: _Entry, now: datetime) -> ComponentHealth:
        if entry.expires_at is None or now < entry.expires_at:
            return entry.health
        return replace(
            entry.health,
            status=Status.FAILING,
            since=entry.expires_at,
            detail=entry.expired_detail,
        )


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


class FailureStreak:
    """Consecutive failures of one repeated piece of work (a job's runs, the
    dispatcher's rounds), and the one line that says it recovered.

    The loop owns what a failure means and how long to wait after it; this
    counts, and on the first success after failures logs, at INFO,
    ``"<what> recovered after <n> failed <attempts>"``.

    Args:
        what: how the recovery line names the work (``"job discover"``,
            ``"dispatcher"``).
        logger: where that line goes.
        attempts: what one try is called in it (``"runs"``, ``"rounds"``).

    Attributes:
        count: failures since the last success (0 after a success).
        total: failures ever.
    """

    __slots__ = ("_attempts", "_logger", "count", "total", "what")

    def __init__(self, what: str, *, logger: logging.Logger, attempts: str = "runs") -> None:
        self.what = what
        self._logger = logger
        self._attempts = attempts
        self.count = 0
        self.total = 0

    def failed(self) -> int:
        """Count one failure; returns how many in a row, this one included."""
        self.count += 1
        self.total += 1
        return self.count

    def succeeded(self) -> int:
        """End the streak (logging the recovery if there was one); returns how
        many failures it ended."""
        ended, self.count = self.count, 0
        if ended:
            self._logger.info("%s recovered after %d failed %s", self.what, ended, self._attempts)
        return ended
