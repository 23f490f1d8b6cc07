"""How a meeting's snapshot changes, and which events each change produces.

Pure: no I/O, no clock (``now`` is an argument), no logging. Every datetime is
aware UTC.

Rule 1. An observation's None means "this source does not know": it never
        changes a field. Anything else overwrites the field.
Rule 2. First sight of a session: long over (not in progress and its scheduled
        end more than ``stale_after`` ago) -> remembered, no event. Not in
        progress -> scheduled. In progress -> started (no scheduled), then the
        presence rules below as for any running meeting; but in progress since
        before ``rules.settle_running_before`` (a store without history taking
        its first look) -> settled silently: recorded as running, its host
        as announced when present, its lock as it is, and no event (a wait
        for the host begins now).
Rule 3. start or duration changed on a known session -> rescheduled (with the
        previous values). starting_soon is armed per start time, so a new start
        re-arms it. Only a listing may change a known session's schedule: it
        is the one source that shows every session on every discovery, in the
        one zone it was asked in. GetSessionInfo and LstOpenSession answer in
        the meeting's own zone; their start and duration count on first sight
        only, so two sources that disagree (a site that lists in the wrong
        zone) never turn into a rescheduled on every poll.
Rule 4. starting_soon: once per start time, when start - lead <= now < start and
        the session is not in progress. Its ``at`` is when it was due.
Rule 5. in_progress False -> True: started (started_at = now). True -> False:
        ended, with ran_minutes from started_at. A later start is allowed after
        an ended; started never repeats without an ended between.
Rule 6. While in progress: host present and not yet announced -> host_joined.
        Host absent after being announced starts a grace timer; host_left only
        once the host has been absent for ``host_left_grace``. A rejoin inside
        the grace cancels the timer, so nothing is announced twice.
Rule 7. While in progress with attendees present and the host absent (both
        known), a wait begins; attendees_waiting once it has lasted
        ``waiting_grace``, once per wait. The wait ends when either changes.
Rule 8. locked becomes True (from False or unknown) -> locked; True -> False ->
        unlocked.
Rule 9. A session is gone on a confirmed not-found, or on its second consecutive
        absence from complete listings whose scope covers it (any observation
        resets the count). Gone while in progress -> ended; gone while scheduled
        -> cancelled; gone after it ended or went stale -> remembered silently.
        Cancelled is terminal: nothing more is ever emitted for that session.
Rule 10. Time-driven events (Rules 4, 6, 7) also fire from ``tick``.
Rule 11. A transition that changes nothing returns the previous snapshot itself
        (same last_seen): callers write only when ``changed`` is True. last_seen
        and last_source move only together with some other change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from state.model import (
    Authority,
    Event,
    EventKind,
    ListingScope,
    MeetingSnapshot,
    Observation,
    Rules,
    ran_minutes,
)

__all__ = ["Transition", "evolve", "is_stale", "missed", "missing_from_listing", "tick"]

# Observation fields copied onto the snapshot when known (Rule 1).
_OBSERVED_FIELDS = (
    "uuid",
    "title",
    "host_id",
    "host_email",
    "start",
    "duration_minutes",
    "time_zone",
    "in_progress",
    "host_present",
    "attendees_present",
    "locked",
    "private",
    "personal_room",
    "join_url",
)

# How many consecutive complete listings must miss a session before it is gone.
_ABSENCES_TO_GONE = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """The outcome of one rule application.

    ``snapshot`` is None only when there is nothing to remember (a not-found for
    a session never seen). ``changed`` says whether it differs from the previous
    snapshot, i.e. whether it must be written.
    """

    snapshot: MeetingSnapshot | None
    events: tuple[Event, ...] = ()
    changed: bool = False


def is_stale(snapshot: MeetingSnapshot, now: datetime, rules: Rules) -> bool:
    """True when the session is not running and its scheduled end is long past."""
    return not snapshot.in_progress and snapshot.scheduled_end < now - rules.stale_after


def evolve(
    previous: MeetingSnapshot | None,
    observation: Observation,
    now: datetime,
    rules: Rules,
) -> Transition:
    """Apply one observation to what we knew of its session (Rules 1-9)."""
    if observation.authority is Authority.GONE:
        return _gone(previous, now, rules)
    if previous is None:
        return _first_sight(observation, now, rules)
    if previous.cancelled:
        return Transition(snapshot=previous)
    if observation.authority is not Authority.SCHEDULE:
        observation = _without_schedule(observation)
    merged = _merge(previous, observation)
    if merged.missed_listings:
        merged = replace(merged, missed_listings=0)
    events: list[Event] = []
    if merged.start != previous.start or merged.duration_minutes != previous.duration_minutes:
        events.append(
            Event(
                kind=EventKind.RESCHEDULED,
                meeting_key=previous.key,
                at=now,
                previous_start=previous.start,
                previous_duration_minutes=previous.duration_minutes,
            )
        )
    current = _progress(previous, merged, now, events)
    current = _timers(current, now, rules, events)
    return _finish(previous, current, events, now, observation.authority)


def tick(previous: MeetingSnapshot, now: datetime, rules: Rules) -> Transition:
    """Fire the time-driven events that are due (Rule 10). Never moves last_seen."""
    if previous.cancelled:
        return Transition(snapshot=previous)
    events: list[Event] = []
    current = _timers(previous, now, rules, events)
    return Transition(snapshot=current, events=tuple(events), changed=current != previous)


def missed(previous: MeetingSnapshot, now: datetime, rules: Rules) -> Transition:
    """Record one absence from a complete listing that covered the session (Rule 9)."""
    if previous.cancelled:
        return Transition(snapshot=previous)
    count = previous.missed_listings + 1
    if count >= _ABSENCES_TO_GONE:
        return _gone(previous, now, rules)
    return Transition(snapshot=replace(previous, missed_listings=count), changed=True)


def missing_from_listing(
    known: Iterable[MeetingSnapshot], scope: ListingScope, seen_keys: Collection[str]
) -> list[str]:
    """Keys of live sessions that a complete listing of ``scope`` should have shown
    but did not. Ended and cancelled sessions are expected to drop out."""
    return [
        s.key
        for s in known
        if not s.cancelled
        and (s.in_progress or s.ended_at is None)
        and scope.covers(s)
        and s.key not in seen_keys
    ]


def _merge(snapshot: MeetingSnapshot, observation: Observation) -> MeetingSnapshot:
    # Only fields that differ are replaced: an unchanged poll of thousands of
    # sessions then builds no new snapshot at all (replace() is the cost).
    differing = {
        name: value
        for name in _OBSERVED_FIELDS
        if (value := getattr(observation, name)) is not None and value != getattr(snapshot, name)
    }
    return replace(snapshot, **differing) if differing else snapshot


def _without_schedule(observation: Observation) -> Observation:
    """Rule 3: what a non-listing source says, minus the schedule it does not own."""
    if observation.start is None and observation.duration_minutes is None:
        return observation
    return replace(observation, start=None, duration_minutes=None)


def _first_sight(observation: Observation, now: datetime, rules: Rules) -> Transition:
    # A source without a start time (rare) still proves the session exists now.
    blank = MeetingSnapshot(key=observation.key, start=observation.start or now, last_seen=now)
    merged = _merge(blank, observation)
    fresh = replace(merged, last_source=str(observation.authority))
    if is_stale(fresh, now, rules) or (not fresh.in_progress and fresh.scheduled_end <= now):
        # First seen when it should already be over: "scheduled" would be
        # stale news (a first start on a big site lists a day of them).
        return Transition(snapshot=fresh, changed=True)
    events: list[Event] = []
    if fresh.in_progress and _settles(fresh, rules):
        # Known as if it had been watched all along: nothing it did is news.
        settled = replace(fresh, started_at=now, host_announced=fresh.host_present is True)
        current = _progress(settled, settled, now, events)
        return Transition(snapshot=current, events=tuple(events), changed=True)
    if not fresh.in_progress:
        events.append(Event(kind=EventKind.SCHEDULED, meeting_key=fresh.key, at=now))
    current = _progress(replace(fresh, in_progress=False, locked=None), fresh, now, events)
    current = _timers(current, now, rules, events)
    return Transition(snapshot=current, events=tuple(events), changed=True)


def _settles(snapshot: MeetingSnapshot, rules: Rules) -> bool:
    """Rule 2: whether a session first seen in progress was running before the
    store first looked (judged by its scheduled start)."""
    before = rules.settle_running_before
    return before is not None and snapshot.start < before


def _progress(
    previous: MeetingSnapshot, current: MeetingSnapshot, now: datetime, events: list[Event]
) -> MeetingSnapshot:
    """Rules 5, 6 (joining side), 7 (arming) and 8, from ``previous`` to ``current``."""
    key = current.key
    if current.in_progress and not previous.in_progress:
        events.append(Event(kind=EventKind.STARTED, meeting_key=key, at=now))
        current = replace(current, started_at=now, ended_at=None)
    elif previous.in_progress and not current.in_progress:
        events.append(
            Event(
                kind=EventKind.ENDED,
                meeting_key=key,
                at=now,
                ran_minutes=ran_minutes(previous.started_at, now),
            )
        )
        current = _closed(current, now)
    if current.in_progress:
        if current.host_present is True:
            if not current.host_announced:
                events.append(Event(kind=EventKind.HOST_JOINED, meeting_key=key, at=now))
            if not current.host_announced or current.host_absent_since is not None:
                current = replace(current, host_announced=True, host_absent_since=None)
        elif (
            current.host_present is False
            and current.host_announced
            and current.host_absent_since is None
        ):
            current = replace(current, host_absent_since=now)
        if _waiting(current):
            if current.waiting_since is None:
                current = replace(current, waiting_since=now)
        elif current.waiting_since is not None or current.waiting_announced:
            current = replace(current, waiting_since=None, waiting_announced=False)
    if current.locked is True and previous.locked is not True:
        events.append(Event(kind=EventKind.LOCKED, meeting_key=key, at=now))
    elif previous.locked is True and current.locked is False:
        events.append(Event(kind=EventKind.UNLOCKED, meeting_key=key, at=now))
    return current


def _timers(
    current: MeetingSnapshot, now: datetime, rules: Rules, events: list[Event]
) -> MeetingSnapshot:
    """Rules 4, 6 (leaving side) and 7 (firing): events that are due by ``now``."""
    key = current.key
    due = current.start - rules.starting_soon_lead
    if (
        not current.in_progress
        and current.soon_notified_for != current.start
        and due <= now < current.start
    ):
        events.append(Event(kind=EventKind.STARTING_SOON, meeting_key=key, at=due))
        current = replace(current, soon_notified_for=current.start)
    if not current.in_progress:
        return current
    if (
        current.host_announced
        and current.host_present is False
        and current.host_absent_since is not None
        and now - current.host_absent_since >= rules.host_left_grace
    ):
        events.append(Event(kind=EventKind.HOST_LEFT, meeting_key=key, at=now))
        current = replace(current, host_announced=False, host_absent_since=None)
    if (
        _waiting(current)
        and not current.waiting_announced
        and current.waiting_since is not None
        and now - current.waiting_since >= rules.waiting_grace
    ):
        events.append(Event(kind=EventKind.ATTENDEES_WAITING, meeting_key=key, at=now))
        current = replace(current, waiting_announced=True)
    return current


def _gone(previous: MeetingSnapshot | None, now: datetime, rules: Rules) -> Transition:
    if previous is None or previous.cancelled:
        return Transition(snapshot=previous)
    events: list[Event] = []
    if previous.in_progress:
        events.append(
            Event(
                kind=EventKind.ENDED,
                meeting_key=previous.key,
                at=now,
                ran_minutes=ran_minutes(previous.started_at, now),
            )
        )
        gone = _closed(replace(previous, in_progress=False), now)
    else:
        if previous.ended_at is None and not is_stale(previous, now, rules):
            events.append(Event(kind=EventKind.CANCELLED, meeting_key=previous.key, at=now))
        gone = previous
    gone = replace(gone, cancelled=True, missed_listings=0)
    return Transition(snapshot=gone, events=tuple(events), changed=True)


def _closed(snapshot: MeetingSnapshot, now: datetime) -> MeetingSnapshot:
    """The snapshot of a session that just stopped running: timers disarmed."""
    return replace(
        snapshot,
        ended_at=now,
        host_announced=False,
        host_absent_since=None,
        waiting_since=None,
        waiting_announced=False,
    )


def _waiting(snapshot: MeetingSnapshot) -> bool:
    return (
        snapshot.in_progress
        and snapshot.attendees_present is True
        and snapshot.host_present is False
    )


def _finish(
    previous: MeetingSnapshot,
    current: MeetingSnapshot,
    events: list[Event],
    now: datetime,
    authority: Authority,
) -> Transition:
    if current == previous:
        return Transition(snapshot=previous, events=tuple(events))
    stamped = replace(current, last_seen=now, last_source=str(authority))
    return Transition(snapshot=stamped, events=tuple(events), changed=True)
