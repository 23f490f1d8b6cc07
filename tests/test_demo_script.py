"""The demo script, replayed against the real simulator and lifecycle rules, shows
every notification kind within the first minute; the driver plays it."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

import bot.demo.script
from adapters.webex.simulator import MeetingView, SimClock, SimulatedSite, example_site
from adapters.webex.simulator.xml.records import SessionStatus
from adapters.webex.timezones import iana_name
from bot.demo.script import (
    DEMO_HOSTS,
    DEMO_SCRIPT,
    DemoPlayer,
    DemoStep,
    add_demo_hosts,
    check_script,
    demo_channel_names,
    demo_subscriptions,
    run_demo_script,
)
from state.lifecycle import evolve, missed
from state.model import (
    Authority,
    EventKind,
    MeetingSnapshot,
    Observation,
    Rules,
    Scope,
)
from tests.cancelling import cancel_when

SPEED = 30  # simulated seconds per real second in make demo
POLL = timedelta(seconds=2 * SPEED)  # one watcher poll every 2 real seconds
# Every kind must have shown by 60 real seconds; keep 10 s for start-up.
DEADLINE = timedelta(seconds=(60 - 10) * SPEED)
T0 = datetime(2026, 11, 28, 9, 7, 30, tzinfo=UTC)
M = timedelta(minutes=1)

K = EventKind
EXPECTED = {
    "offsite": [K.SCHEDULED, K.CANCELLED],
    "standup": [
        K.SCHEDULED, K.STARTING_SOON, K.STARTED, K.ATTENDEES_WAITING, K.HOST_JOINED,
        K.LOCKED, K.UNLOCKED, K.HOST_LEFT, K.ENDED,
    ],
    "design": [K.SCHEDULED, K.RESCHEDULED, K.STARTING_SOON, K.STARTED, K.HOST_JOINED, K.ENDED],
    "retro": [K.SCHEDULED, K.STARTING_SOON, K.STARTED, K.HOST_JOINED, K.ENDED],
    "pmr": [K.SCHEDULED, K.STARTING_SOON, K.STARTED, K.HOST_JOINED, K.ENDED],
}  # fmt: skip


def observation(view: MeetingView) -> Observation:
    """What one complete listing row says about a simulated meeting."""
    return Observation(
        key=view.key,
        authority=Authority.SCHEDULE,
        uuid=view.uuid,
        title=view.title,
        host_id=view.host,
        start=view.start,
        duration_minutes=view.duration_minutes,
        time_zone=iana_name(view.time_zone_id),
        in_progress=view.status is SessionStatus.IN_PROGRESS,
        host_present=view.host_present,
        attendees_present=view.attendees > 0,
        locked=view.locked,
        private=view.private,
        personal_room=view.personal_room,
    )


def replay(
    script: tuple[DemoStep, ...], *, phase: timedelta
) -> list[tuple[timedelta, str, EventKind]]:
    """Play ``script`` on the example site, polling it every POLL from ``phase``
    through the real lifecycle rules; returns (poll offset, label, kind)."""
    clock = SimClock(start=T0, speed=0)
    site = example_site(clock=clock)
    add_demo_hosts(site)
    player = DemoPlayer(site, T0)
    rules = Rules()
    pending = list(script)
    snapshots: dict[str, MeetingSnapshot] = {}
    seen: list[tuple[timedelta, str, EventKind]] = []
    at = phase
    while at <= script[-1].at + 5 * POLL:
        while pending and pending[0].at <= at:
            clock.advance(T0 + pending[0].at - clock.now())
            player.apply(pending.pop(0))
        now = clock.advance(T0 + at - clock.now())
        labels = {key: label for label, key in player.keys.items()}
        listed = {view.key: view for view in site.meetings()}
        transitions = [
            evolve(snapshots.get(k), observation(v), now, rules) for k, v in listed.items()
        ]
        transitions += [missed(s, now, rules) for k, s in snapshots.items() if k not in listed]
        for t in transitions:
            assert t.snapshot is not None
            snapshots[t.snapshot.key] = t.snapshot
            if t.snapshot.key in labels:
                seen += [(at, labels[t.snapshot.key], e.kind) for e in t.events]
        at += POLL
    return seen


def test_exports() -> None:
    for name in bot.demo.script.__all__:
        assert hasattr(bot.demo.script, name), name


def test_the_demo_script_is_well_formed() -> None:
    check_script(DEMO_SCRIPT)


@pytest.mark.parametrize("phase_seconds", [0, 1, 30, 59])
def test_every_kind_shows_in_order_within_the_first_minute(phase_seconds: int) -> None:
    seen = replay(DEMO_SCRIPT, phase=timedelta(seconds=phase_seconds))
    by_label: dict[str, list[EventKind]] = defaultdict(list)
    first: dict[EventKind, timedelta] = {}
    for at, label, kind in seen:
        by_label[label].append(kind)
        first.setdefault(kind, at)
    assert dict(by_label) == EXPECTED
    assert {kind: at for kind, at in first.items() if at > DEADLINE} == {}


def test_each_meetings_own_changes_are_three_polls_apart() -> None:
    moments: dict[str, list[timedelta]] = defaultdict(list)
    for step in DEMO_SCRIPT:
        if step.at not in moments[step.meeting]:
            moments[step.meeting].append(step.at)
    for label, times in moments.items():
        assert all(b - a >= 3 * POLL for a, b in itertools.pairwise(times)), (label, times)


def test_the_script_has_a_private_meeting_a_personal_room_and_an_early_start() -> None:
    schedules = {s.meeting: s for s in DEMO_SCRIPT if s.action == "schedule"}
    assert any(s.param("private", bool) for s in schedules.values())
    assert any(s.param("personal_room", bool) for s in schedules.values())
    starts = {s.meeting: s.at for s in DEMO_SCRIPT if s.action == "start"}
    assert any(at < schedules[m].need("start_at", timedelta) for m, at in starts.items())


def test_subscriptions_and_channel_names() -> None:
    subs = demo_subscriptions()
    assert {(s.name, s.scope, s.target) for s in subs} == {
        ("#general", Scope.ALL, None),
        ("#design", Scope.HOST, "carol"),
    }
    assert demo_channel_names() == {s.channel: s.name for s in subs}
    hosts = {s.need("host", str) for s in DEMO_SCRIPT if s.action == "schedule"}
    assert {s.target for s in subs if s.target} <= hosts


def test_demo_hosts_are_added_once_and_keep_existing_accounts() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    alice = site.user("alice")
    add_demo_hosts(site)
    add_demo_hosts(site)
    assert site.user("alice") is alice
    for host in DEMO_HOSTS:
        user = site.user(host.webex_id)
        assert user is not None and user.email == f"{host.webex_id}@acme.example"


def by_title(site: SimulatedSite) -> dict[str, MeetingView]:
    return {view.title: view for view in site.meetings()}


async def test_driver_plays_the_demo_on_a_real_simulated_site() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    before = len(site.meetings())
    await run_demo_script(site, site.clock, DEMO_SCRIPT, speed=1e5)
    views = by_title(site)
    assert len(views) == before + 4  # five scheduled, the offsite deleted
    assert "Offsite planning" not in views
    for title in ("Daily standup", "Design review: <v2> & nav", "Compensation review"):
        view = views[title]
        assert view.ended and view.status is SessionStatus.NOT_IN_PROGRESS, title
        assert not view.host_present and view.attendees == 0 and not view.locked, title
    design = views["Design review: <v2> & nav"]
    assert (design.host, design.start, design.duration_minutes) == ("carol", T0 + 16 * M, 45)
    assert views["Compensation review"].private
    pmr = views["Dave's Personal Room"]
    assert pmr.personal_room and pmr.ended and pmr.time_zone_id == 49


async def test_driver_logs_refused_steps_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    common = {"title": "t", "start_at": 20 * M, "duration_minutes": 5, "time_zone": "Europe/London"}
    script = (
        DemoStep(0 * M, "schedule", "ghost", host="nobody", **common),
        DemoStep(0 * M, "schedule", "real", host="bob", **common),
        DemoStep(M, "start", "ghost"),
        DemoStep(M, "lock", "real"),  # refused: not in progress
        DemoStep(2 * M, "host_joins", "real"),
    )
    with caplog.at_level(logging.WARNING, logger="meetbot.demo"):
        await run_demo_script(site, site.clock, script, speed=1e5)
    assert [r.getMessage() for r in caplog.records] == [
        "demo step schedule ghost at 0:00:00 failed",
        "demo step lock real at 0:01:00 failed",
    ]
    real = next(v for v in site.meetings() if v.host == "bob" and v.title == "t")
    assert real.host_present and real.status is SessionStatus.IN_PROGRESS


async def test_driver_waits_in_real_time_and_is_cancellable() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    common = {"title": "t", "start_at": 90 * M, "duration_minutes": 5, "time_zone": "Europe/London"}
    script = (
        DemoStep(0 * M, "schedule", "a", host="bob", **common),
        DemoStep(60 * M, "start", "a"),
    )
    count = len(site.meetings())
    task = asyncio.create_task(run_demo_script(site, site.clock, script, speed=1.0))
    await cancel_when(task, lambda: len(site.meetings()) > count)
    assert all(v.status is SessionStatus.NOT_IN_PROGRESS for v in site.meetings())


async def test_driver_refuses_a_bad_speed_or_script() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    count = len(site.meetings())
    with pytest.raises(ValueError, match="speed"):
        await run_demo_script(site, site.clock, DEMO_SCRIPT, speed=0)
    with pytest.raises(ValueError, match="not scheduled"):
        await run_demo_script(site, site.clock, (DemoStep(M, "end", "x"),), speed=1e5)
    assert len(site.meetings()) == count
