"""What happens on the simulated Webex site during ``make demo``, in compressed time.

The script is plain data (:data:`DEMO_SCRIPT`); :func:`run_demo_script` plays it
against a simulated site. Offsets are simulated time since the driver started;
at speed 30 one real second is 30 simulated seconds, so a poll every 2 real
seconds is one poll per simulated minute. Each meeting's own changes are at
least three polls apart, so every change is seen, and the timers of the
lifecycle rules (10-minute starting-soon lead, 60 s waiting grace, 60 s
host-left grace) have a poll or two to fire before the next change.

Timeline (simulated m:ss, [real seconds at speed 30]; "->" what the watcher
reports, a poll or two later for timers and cancellation)::

     1:00 [ 2s] offsite  alice schedules "Offsite planning" 2 h ahead     -> scheduled
     1:00 [ 2s] standup  alice schedules "Daily standup" for 10:00        -> scheduled,
                         starting_soon (only 9 minutes away)
     1:30 [ 3s] design   carol schedules "Design review: <v2> & nav" for 31:00 -> scheduled
     2:00 [ 4s] retro    bob schedules a private meeting for 13:00        -> scheduled
     2:30 [ 5s] pmr      dave schedules his Personal Room for 12:00       -> scheduled,
                         starting_soon
     3:00 [ 6s] retro    (10 minutes before its start)                    -> starting_soon
     4:00 [ 8s] standup  starts 6 minutes early; 3 attendees, no host     -> started, then
                         attendees_waiting once they have waited 60 s
     5:00 [10s] design   moved to 16:00, now 45 minutes                   -> rescheduled;
                         starting_soon at 6:00
     7:00 [14s] offsite  deleted                                          -> cancelled
     9:00 [18s] standup  alice joins                                      -> host_joined
     9:00 [18s] pmr      dave opens his room early                        -> started, host_joined
    12:00 [24s] standup  locked                                           -> locked
    12:00 [24s] pmr      2 guests arrive
    12:00 [24s] retro    bob starts a minute early, one attendee          -> started, host_joined
    15:00 [30s] standup  unlocked                                         -> unlocked
    15:00 [30s] design   carol starts a minute early                      -> started, host_joined
    16:00 [32s] retro    ends early                                       -> ended
    18:00 [36s] standup  the attendees leave, then alice                  -> host_left (60 s on)
    18:00 [36s] design   4 attendees arrive
    22:00 [44s] standup  ends                                             -> ended
    24:00 [48s] pmr      ends                                             -> ended
    26:00 [52s] design   ends                                             -> ended

Every notification kind has been reported by about 20:00 (40 real seconds).
The tests replay the script against the real simulator and lifecycle rules,
polling once a simulated minute, to keep this promise true.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.demo.steps import ACTIONS, DemoStep, check_script
from state.model import Scope

__all__ = [
    "ACTIONS",
    "DEMO_HOSTS",
    "DEMO_SCRIPT",
    "DemoClock",
    "DemoHost",
    "DemoPlayer",
    "DemoSite",
    "DemoStep",
    "DemoSubscription",
    "add_demo_hosts",
    "check_script",
    "demo_channel_names",
    "demo_subscriptions",
    "run_demo_script",
]

logger = logging.getLogger("meetbot.demo")


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoHost:
    """A Webex account the script schedules meetings for."""

    webex_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSubscription:
    """A channel the demo posts to and what it follows there.

    Attributes:
        channel: the channel id the chat port is given.
        name: how the channel is shown ("#general").
        scope: :class:`state.model.Scope` of the subscription.
        target: the host's Webex id for ``Scope.HOST``; None for ``Scope.ALL``.
    """

    channel: str
    name: str
    scope: Scope
    target: str | None = None


def _m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


# 169 is the example site's meeting type that supports private meetings.
DEMO_SCRIPT: tuple[DemoStep, ...] = (
    DemoStep(
        _m(1), "schedule", "offsite", host="alice", title="Offsite planning",
        start_at=_m(121), duration_minutes=120, time_zone="Europe/London",
    ),
    DemoStep(
        _m(1), "schedule", "standup", host="alice", title="Daily standup",
        start_at=_m(10), duration_minutes=15, time_zone="Europe/Berlin",
    ),
    DemoStep(
        _m(1.5), "schedule", "design", host="carol", title="Design review: <v2> & nav",
        start_at=_m(31), duration_minutes=30, time_zone="America/Los_Angeles",
    ),
    DemoStep(
        _m(2), "schedule", "retro", host="bob", title="Compensation review",
        start_at=_m(13), duration_minutes=20, time_zone="America/New_York", private=True,
        meeting_type_id=169,
    ),
    DemoStep(
        _m(2.5), "schedule", "pmr", host="dave", title="Dave's Personal Room",
        start_at=_m(12), duration_minutes=30, time_zone="Asia/Tokyo", personal_room=True,
    ),
    DemoStep(_m(4), "start", "standup"),
    DemoStep(_m(4), "attendee_joins", "standup", count=3),
    DemoStep(_m(5), "reschedule", "design", start_at=_m(16), duration_minutes=45),
    DemoStep(_m(7), "delete", "offsite"),
    DemoStep(_m(9), "host_joins", "standup"),
    DemoStep(_m(9), "start", "pmr"),
    DemoStep(_m(9), "host_joins", "pmr"),
    DemoStep(_m(12), "lock", "standup"),
    DemoStep(_m(12), "attendee_joins", "pmr", count=2),
    DemoStep(_m(12), "start", "retro"),
    DemoStep(_m(12), "host_joins", "retro"),
    DemoStep(_m(12), "attendee_joins", "retro", count=1),
    DemoStep(_m(15), "unlock", "standup"),
    DemoStep(_m(15), "start", "design"),
    DemoStep(_m(15), "host_joins", "design"),
    DemoStep(_m(16), "end", "retro"),
    DemoStep(_m(18), "attendee_leaves", "standup", count=3),
    DemoStep(_m(18), "host_leaves", "standup"),
    DemoStep(_m(18), "attendee_joins", "design", count=4),
    DemoStep(_m(22), "end", "standup"),
    DemoStep(_m(24), "end", "pmr"),
    DemoStep(_m(26), "end", "design"),
)  # fmt: skip

#: Hosts the script needs beyond the example site's alice, bob and chen.
DEMO_HOSTS: tuple[DemoHost, ...] = (
    DemoHost(webex_id="carol", first_name="Carol", last_name="Cruz"),
    DemoHost(webex_id="dave", first_name="Dave", last_name="Dunn"),
)


def demo_subscriptions() -> tuple[DemoSubscription, ...]:
    """The demo's channels: #general follows every host, #design follows carol."""
    return (
        DemoSubscription(channel="general", name="#general", scope=Scope.ALL),
        DemoSubscription(channel="design", name="#design", scope=Scope.HOST, target="carol"),
    )


def demo_channel_names() -> dict[str, str]:
    """Channel id -> display name for the demo's channels (for the console chat)."""
    return {s.channel: s.name for s in demo_subscriptions()}


class DemoClock(Protocol):
    """The simulated clock: only its reading is needed here."""

    def now(self) -> datetime: ...


class DemoSite(Protocol):
    """The part of the simulated site (adapters.webex.simulator) the script drives."""

    @property
    def site_name(self) -> str: ...

    def user(self, webex_id: str) -> object | None: ...

    def add_user(
        self, webex_id: str, password: str, *, email: str, first_name: str, last_name: str
    ) -> object: ...

    def schedule(
        self,
        *,
        host: str,
        title: str,
        start: datetime,
        duration_minutes: int,
        time_zone: str,
        private: bool,
        personal_room: bool,
        meeting_type_id: int | None,
    ) -> str: ...

    def reschedule(self, key: str, *, start: datetime, duration_minutes: int) -> None: ...
    def start(self, key: str) -> None: ...
    def host_joins(self, key: str) -> None: ...
    def host_leaves(self, key: str) -> None: ...
    def attendee_joins(self, key: str, count: int) -> None: ...
    def attendee_leaves(self, key: str, count: int) -> None: ...
    def lock(self, key: str) -> None: ...
    def unlock(self, key: str) -> None: ...
    def end(self, key: str) -> None: ...
    def delete(self, key: str) -> None: ...


def add_demo_hosts(site: DemoSite) -> None:
    """Add the :data:`DEMO_HOSTS` the site does not know yet (password
    ``<id>-pass``, email ``<id>@<site>.example``, as the example site does)."""
    for host in DEMO_HOSTS:
        if site.user(host.webex_id) is None:
            site.add_user(
                host.webex_id,
                f"{host.webex_id}-pass",
                email=f"{host.webex_id}@{site.site_name}.example",
                first_name=host.first_name,
                last_name=host.last_name,
            )


class DemoPlayer:
    """Applies steps to a site, one at a time, remembering each label's key.

    Synchronous and clock-free, so tests can step it between polls; start
    times are ``began`` plus each step's ``start_at``.
    """

    def __init__(self, site: DemoSite, began: datetime) -> None:
        self._site = site
        self._began = began
        self._keys: dict[str, str] = {}

    @property
    def keys(self) -> Mapping[str, str]:
        """Label -> meeting key, for the meetings scheduled so far. Read-only."""
        return dict(self._keys)

    def apply(self, step: DemoStep) -> None:
        """Do ``step`` on the site.

        Raises:
            KeyError: the step's label has not been scheduled.
            Exception: whatever the site raises when it refuses the step.
        """
        site = self._site
        if step.action == "schedule":
            self._keys[step.meeting] = site.schedule(
                host=step.need("host", str),
                title=step.need("title", str),
                start=self._began + step.need("start_at", timedelta),
                duration_minutes=step.need("duration_minutes", int),
                time_zone=step.need("time_zone", str),
                private=step.param("private", bool) or False,
                personal_room=step.param("personal_room", bool) or False,
                meeting_type_id=step.param("meeting_type_id", int),
            )
            return
        key = self._keys[step.meeting]
        if step.action == "reschedule":
            site.reschedule(
                key,
                start=self._began + step.need("start_at", timedelta),
                duration_minutes=step.need("duration_minutes", int),
            )
        elif step.action == "attendee_joins":
            site.attendee_joins(key, step.need("count", int))
        elif step.action == "attendee_leaves":
            site.attendee_leaves(key, step.need("count", int))
        else:
            _SIMPLE[step.action](site, key)


# The actions that take nothing but the meeting key.
_SIMPLE: Mapping[str, Callable[[DemoSite, str], None]] = {
    "start": lambda site, key: site.start(key),
    "host_joins": lambda site, key: site.host_joins(key),
    "host_leaves": lambda site, key: site.host_leaves(key),
    "lock": lambda site, key: site.lock(key),
    "unlock": lambda site, key: site.unlock(key),
    "end": lambda site, key: site.end(key),
    "delete": lambda site, key: site.delete(key),
}


async def run_demo_script(
    site: DemoSite, clock: DemoClock, script: Iterable[DemoStep], *, speed: float
) -> None:
    """Play ``script`` against ``site``: each step at ``at / speed`` real seconds
    after the call, with meeting starts placed relative to ``clock.now()`` at the
    call. Adds the :data:`DEMO_HOSTS` the site lacks first.

    A step the site refuses is logged and skipped (a refused ``schedule`` skips
    every later step of its meeting): the demo goes on. Cancellable at any point.

    Raises:
        ValueError: ``speed`` is not positive or the script fails :func:`check_script`.
    """
    if speed <= 0:
        raise ValueError(f"speed must be positive, not {speed}")
    steps = tuple(script)
    check_script(steps)
    add_demo_hosts(site)
    loop = asyncio.get_running_loop()
    began = loop.time()
    player = DemoPlayer(site, clock.now())
    failed: set[str] = set()
    for step in steps:
        # One sleep per step: asyncio.sleep is cancellable at any instant, and
        # loop.time() is monotonic, so slicing the wait would add nothing.
        await asyncio.sleep(max(0.0, began + step.at.total_seconds() / speed - loop.time()))
        if step.meeting in failed:
            continue
        try:
            player.apply(step)
        except Exception:
            # The site is a simulator: a refusal is a demo glitch, not a reason to stop.
            logger.warning(
                "demo step %s %s at %s failed", step.action, step.meeting, step.at, exc_info=True
            )
            if step.action == "schedule":
                failed.add(step.meeting)
        else:
            logger.debug("demo step %s %s at %s", step.action, step.meeting, step.at)
