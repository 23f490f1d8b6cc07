"""What happens on the simulated Webex site during ``make demo``, in compressed time.

The script is plain data (:data:`DEMO_SCRIPT`); :func:`run_demo_script` plays it
against a simulated site. Offsets are simulated time since the driver started;
at speed 30 one real second is 30 simulated seconds, so a 60-second poll
(2 real seconds) sees each change, and every meeting's own changes are at least
three polls apart. The watcher is assumed to use a 10-minute starting-soon lead
and a 60-second grace before attendees count as waiting.

Timeline (simulated m:ss; real seconds at speed 30 in brackets)::

    1:00 [ 2s] offsite  alice schedules "Offsite planning" for 2 h ahead  -> scheduled
    1:00 [ 2s] standup  alice schedules "Daily standup" for 10:00 (15 min) -> scheduled,
                        starting_soon (it is only 9 minutes away)
    1:30 [ 3s] design   carol schedules "Design review: <v2> & nav" for 31:00 -> scheduled
    2:00 [ 4s] retro    bob schedules a private meeting for 13:00 -> scheduled
    2:30 [ 5s] pmr      dave schedules his Personal Room for 12:00 -> scheduled, starting_soon
    3:00 [ 6s] retro    (10 minutes before its start)                   -> starting_soon
    4:00 [ 8s] standup  started 6 minutes early; 3 attendees, no host   -> started
    5:00 [10s] standup  (60 s of attendees without the host)            -> attendees_waiting
    5:00 [10s] design   moved to 16:00, now 45 min                      -> rescheduled
    6:00 [12s] design   (10 minutes before the new start)               -> starting_soon
    7:00 [14s] offsite  deleted                                         -> cancelled
    8:00 [16s] standup  alice joins                                     -> host_joined
    9:00 [18s] pmr      dave opens his room                             -> started, host_joined
   11:00 [22s] standup  locked                                          -> locked
   12:00 [24s] pmr      2 guests arrive
   12:00 [24s] retro    bob starts on time, one attendee                -> started, host_joined
   14:00 [28s] standup  unlocked                                        -> unlocked
   15:00 [30s] design   carol starts 1 minute early                     -> started, host_joined
   17:00 [34s] standup  everyone leaves, alice last                     -> host_left
   18:00 [36s] design   4 attendees arrive
   20:00 [40s] standup  ends                                            -> ended
   21:00 [42s] retro    ends                                            -> ended
   23:00 [46s] pmr      ends                                            -> ended
   25:00 [50s] design   ends                                            -> ended

Every notification kind has appeared by 20:00 (40 real seconds at speed 30).
The tests derive this list from the script with a small model of the
watcher's rules, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

__all__ = [
    "ACTIONS",
    "DEMO_SCRIPT",
    "DemoClock",
    "DemoSite",
    "DemoStep",
    "DemoSubscription",
    "check_script",
    "demo_channel_names",
    "demo_subscriptions",
    "run_demo_script",
]

logger = logging.getLogger("meetbot.demo")

#: action -> (required params, optional params)
_PARAMS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "schedule": (
        frozenset({"host", "title", "start_at", "duration_minutes"}),
        frozenset({"time_zone_id", "private", "personal_room"}),
    ),
    "reschedule": (frozenset(), frozenset({"start_at", "duration_minutes"})),
    "start": (frozenset(), frozenset()),
    "host_joins": (frozenset(), frozenset()),
    "host_leaves": (frozenset(), frozenset()),
    "attendee_joins": (frozenset(), frozenset({"count"})),
    "attendee_leaves": (frozenset(), frozenset({"count"})),
    "lock": (frozenset(), frozenset()),
    "unlock": (frozenset(), frozenset()),
    "end": (frozenset(), frozenset()),
    "delete": (frozenset(), frozenset()),
}

#: Every action a step may name: the simulated site's method of the same name.
ACTIONS: frozenset[str] = frozenset(_PARAMS)


@dataclass(frozen=True, slots=True, init=False)
class DemoStep:
    """One thing that happens to one meeting at ``at`` (simulated time since the start).

    ``meeting`` is a label; the ``schedule`` step that introduces it gets the
    real meeting key from the site. Offsets in params (``start_at``) are also
    measured from the demo's start.

    Raises:
        ValueError: on a negative offset, an unknown action, or missing or
            unknown params for the action.
    """

    at: timedelta
    action: str
    meeting: str
    params: tuple[tuple[str, object], ...]

    def __init__(self, at: timedelta, action: str, meeting: str, **params: object) -> None:
        if at < timedelta(0):
            raise ValueError(f"step offset must not be negative: {at}")
        if action not in _PARAMS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}")
        required, optional = _PARAMS[action]
        if missing := required - params.keys():
            raise ValueError(f"{action} needs {', '.join(sorted(missing))}")
        if unknown := params.keys() - required - optional:
            raise ValueError(f"{action} takes no {', '.join(sorted(unknown))}")
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "meeting", meeting)
        object.__setattr__(self, "params", tuple(sorted(params.items())))

    @property
    def kwargs(self) -> dict[str, object]:
        """The params as keyword arguments."""
        return dict(self.params)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSubscription:
    """A channel the demo posts to and whose meetings it follows.

    Attributes:
        channel: the channel id the chat port is given.
        name: how the channel is shown ("#general").
        host: the Webex id of the only host followed; None follows every host.
    """

    channel: str
    name: str
    host: str | None = None


def _m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


DEMO_SCRIPT: tuple[DemoStep, ...] = (
    DemoStep(
        _m(1), "schedule", "offsite", host="alice", title="Offsite planning",
        start_at=_m(121), duration_minutes=120, time_zone_id=21,
    ),
    DemoStep(
        _m(1), "schedule", "standup", host="alice", title="Daily standup",
        start_at=_m(10), duration_minutes=15, time_zone_id=25,
    ),
    DemoStep(
        _m(1.5), "schedule", "design", host="carol", title="Design review: <v2> & nav",
        start_at=_m(31), duration_minutes=30, time_zone_id=4,
    ),
    DemoStep(
        _m(2), "schedule", "retro", host="bob", title="Compensation review",
        start_at=_m(13), duration_minutes=20, time_zone_id=11, private=True,
    ),
    DemoStep(
        _m(2.5), "schedule", "pmr", host="dave", title="Dave's Personal Room",
        start_at=_m(12), duration_minutes=30, time_zone_id=49, personal_room=True,
    ),
    DemoStep(_m(4), "start", "standup"),
    DemoStep(_m(4), "attendee_joins", "standup", count=3),
    DemoStep(_m(5), "reschedule", "design", start_at=_m(16), duration_minutes=45),
    DemoStep(_m(7), "delete", "offsite"),
    DemoStep(_m(8), "host_joins", "standup"),
    DemoStep(_m(9), "start", "pmr"),
    DemoStep(_m(9), "host_joins", "pmr"),
    DemoStep(_m(11), "lock", "standup"),
    DemoStep(_m(12), "attendee_joins", "pmr", count=2),
    DemoStep(_m(12), "start", "retro"),
    DemoStep(_m(12), "host_joins", "retro"),
    DemoStep(_m(12), "attendee_joins", "retro", count=1),
    DemoStep(_m(14), "unlock", "standup"),
    DemoStep(_m(15), "start", "design"),
    DemoStep(_m(15), "host_joins", "design"),
    DemoStep(_m(17), "attendee_leaves", "standup", count=3),
    DemoStep(_m(17), "host_leaves", "standup"),
    DemoStep(_m(18), "attendee_joins", "design", count=4),
    DemoStep(_m(20), "end", "standup"),
    DemoStep(_m(21), "end", "retro"),
    DemoStep(_m(23), "end", "pmr"),
    DemoStep(_m(25), "end", "design"),
)  # fmt: skip


def demo_subscriptions() -> tuple[DemoSubscription, ...]:
    """The demo's channels: #general follows every host, #design follows carol."""
    return (
        DemoSubscription(channel="general", name="#general"),
        DemoSubscription(channel="design", name="#design", host="carol"),
    )


def demo_channel_names() -> dict[str, str]:
    """Channel id -> display name for the demo's channels (for the console chat)."""
    return {s.channel: s.name for s in demo_subscriptions()}


def check_script(script: Iterable[DemoStep]) -> None:
    """Check that ``script`` can be played.

    Raises:
        ValueError: steps out of time order; a label used before its
            ``schedule``, scheduled twice, or used after ``delete``; a meeting
            scheduled or moved to start before the step that does it.
    """
    known: set[str] = set()
    gone: set[str] = set()
    previous = timedelta(0)
    for n, step in enumerate(script):
        where = f"step {n} ({step.action} {step.meeting!r} at {step.at})"
        if step.at < previous:
            raise ValueError(f"{where}: earlier than the step before it")
        previous = step.at
        start_at = step.kwargs.get("start_at")
        if start_at is not None and (not isinstance(start_at, timedelta) or start_at <= step.at):
            raise ValueError(f"{where}: start_at must be a timedelta after the step")
        if step.action == "schedule":
            if step.meeting in known:
                raise ValueError(f"{where}: label already scheduled")
            known.add(step.meeting)
        elif step.meeting not in known:
            raise ValueError(f"{where}: label not scheduled yet")
        elif step.meeting in gone:
            raise ValueError(f"{where}: meeting already deleted")
        if step.action == "delete":
            gone.add(step.meeting)


class DemoClock(Protocol):
    """The simulated clock: only its reading is needed here."""

    def now(self) -> datetime: ...


class DemoSite(Protocol):
    """The part of the simulated site the script drives."""

    def schedule(
        self,
        *,
        host: str,
        title: str,
        start: datetime,
        duration_minutes: int,
        time_zone_id: int = ...,
        private: bool = ...,
        personal_room: bool = ...,
    ) -> str: ...

    def reschedule(
        self, key: str, *, start: datetime | None = ..., duration_minutes: int | None = ...
    ) -> None: ...

    def start(self, key: str) -> None: ...
    def host_joins(self, key: str) -> None: ...
    def host_leaves(self, key: str) -> None: ...
    def attendee_joins(self, key: str, count: int = ...) -> None: ...
    def attendee_leaves(self, key: str, count: int = ...) -> None: ...
    def lock(self, key: str) -> None: ...
    def unlock(self, key: str) -> None: ...
    def end(self, key: str) -> None: ...
    def delete(self, key: str) -> None: ...


async def run_demo_script(
    site: DemoSite, clock: DemoClock, script: Iterable[DemoStep], *, speed: float
) -> None:
    """Play ``script`` against ``site``: each step at ``at / speed`` real seconds
    after the call, with meeting starts placed relative to ``clock.now()`` at the
    call.

    A step the site refuses is logged and skipped (a refused ``schedule`` skips
    every later step of its meeting): the demo goes on. Cancellable at any point.

    Raises:
        ValueError: ``speed`` is not positive or the script fails :func:`check_script`.
    """
    if speed <= 0:
        raise ValueError(f"speed must be positive, not {speed}")
    steps = tuple(script)
    check_script(steps)
    loop = asyncio.get_running_loop()
    began_real = loop.time()
    began_sim = clock.now()
    keys: dict[str, str] = {}
    failed: set[str] = set()
    for step in steps:
        due = began_real + step.at.total_seconds() / speed
        # One sleep per step: asyncio.sleep is cancellable at any instant, and
        # loop.time() is monotonic, so slicing the wait would add nothing.
        await asyncio.sleep(max(0.0, due - loop.time()))
        if step.meeting in failed:
            continue
        try:
            _apply(site, step, keys, began_sim)
        except Exception:
            # The site is a simulator: a refusal is a demo glitch, not a reason to stop.
            logger.warning(
                "demo step %s %s at %s failed", step.action, step.meeting, step.at, exc_info=True
            )
            if step.action == "schedule":
                failed.add(step.meeting)
        else:
            logger.debug("demo step %s %s at %s", step.action, step.meeting, step.at)


def _apply(site: DemoSite, step: DemoStep, keys: dict[str, str], began: datetime) -> None:
    params = step.kwargs
    start_at = params.pop("start_at", None)
    if isinstance(start_at, timedelta):
        params["start"] = began + start_at
    if step.action == "schedule":
        keys[step.meeting] = site.schedule(**params)  # type: ignore[arg-type]
        return
    key = keys[step.meeting]
    if step.action == "reschedule":
        site.reschedule(key, **params)  # type: ignore[arg-type]
    elif step.action in ("attendee_joins", "attendee_leaves"):
        getattr(site, step.action)(key, **params)
    else:
        getattr(site, step.action)(key)
