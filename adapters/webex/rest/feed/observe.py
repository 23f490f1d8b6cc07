"""REST API answers and webhook data -> store observations. Pure.

A meeting's key is its ``meetingNumber`` (the digits Webex shows, which the
``/webex`` commands take), the same for a series, its occurrences and their
instances; its series id is kept as the observation's ``uuid``. Answers that carry no number (a webhook's ``data``, an ended
instance) are keyed by the caller, which knows the series' number; every
meeting id starts with its series id (:func:`series_id`).

Rules:

1. A scheduled occurrence (or a series, for its current occurrence) knows
   the schedule: title, host, start, duration, join link. Privacy is what
   meetbot remembers of the meetings it created private (``publicMeeting``
   false is every meeting's default). It is a SCHEDULE observation, so a changed start
   or length is a reschedule. A recurring series shows one occurrence at a
   time per key: the earliest that has not ended (:func:`next_occurrences`).
2. An instance (``_I_`` id) knows what runs: ``inProgress`` -> in progress;
   ``lobby`` (a locked meeting joined before its host) -> in progress with
   attendees waiting and no host; ``ended`` -> not in progress. It is direct
   evidence about one meeting (LIVE_DETAIL) and carries no start: when it
   began is not when it was scheduled, so it never reschedules the meeting.
   A meeting first seen running gets its schedule from its series. A series
   (asked directly) that is ``active`` or ``expired`` runs nothing: it ends
   a meeting the core holds in progress (:func:`from_series_state`).
3. A full roster (a participant listing) knows presence: the host is present
   while a host participant is ``joined`` (or in a breakout); attendees are
   present while anyone else is ``joined``, in a breakout or in the ``lobby``.
4. One participant's change says only what it can: a host who joined -> host
   present, a host who left -> host absent; another participant who joined or
   waits in the lobby -> attendees present. Another participant who left says
   nothing (others may remain).
5. A deleted series is gone; a deleted occurrence is gone only when it is
   the occurrence the meeting is known by (same start): deleting one date of
   a recurring series cancels nothing else.
6. A live sweep lists a running meeting's participants only where a change
   of host or attendees could have been missed (:func:`roster_wanted`): the
   core does not hold it (or not its presence), the listing disagrees with
   the core, no host is present (a waiting or host-left notice hangs on it),
   deliveries had a gap, or the last roster is older than
   :data:`ROSTER_REFRESH`. Webhooks carry the rest.
7. A delivery telling of a meeting running (an instance ``started`` or in
   the ``lobby``, a participant who joined) is outdated when its own time
   (the instance's start, the participant's ``joinedTime``; never the
   envelope's ``created``, which is the webhook's) is before the core's end
   of that meeting, or, for an instance in the lobby, before the core saw
   it start with its host in (:func:`outdated`). It says nothing then.
8. A meeting the core holds scheduled, of a host a complete schedule listing
   covered and starting in its window, that the listing no longer shows may
   have been deleted with the delivery lost (:func:`unlisted`): the caller
   asks Webex for it directly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from adapters.webex.rest.client.models import RestMeeting, RestParticipant
from state.model import Authority, MeetingSnapshot, Observation

__all__ = [
    "INSTANCE_MARK",
    "deleted",
    "from_instance",
    "from_participant",
    "from_roster",
    "from_scheduled",
    "from_series_state",
    "merged_state",
    "next_occurrences",
    "outdated",
    "presence",
    "roster_wanted",
    "series_id",
    "unlisted",
]

#: How old a running meeting's last roster may grow before a sweep lists it
#: again although nothing suggests a missed change (Cisco's listing lag).
ROSTER_REFRESH = timedelta(minutes=15)

#: What separates a series id from an instance number in an instance id.
INSTANCE_MARK = "_I_"
_PRESENT = frozenset({"joined", "breakoutSession"})
_WAITING = frozenset({"lobby"})


def series_id(meeting_id: str) -> str:
    """The series a meeting id belongs to: ``S`` for ``S``, ``S_20260105T090000Z``
    (an occurrence) and ``S_I_123`` (an instance)."""
    return meeting_id.split("_", 1)[0]


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60)


def from_scheduled(meeting: RestMeeting, *, key: str, private: bool | None = None) -> Observation:
    """A series or scheduled occurrence, as its schedule (rule 1). ``private``
    is what meetbot knows of it: the answer cannot say (``publicMeeting`` false
    is every meeting's default)."""
    return Observation(
        key=key,
        authority=Authority.SCHEDULE,
        uuid=series_id(meeting.id),
        title=meeting.title,
        host_id=meeting.host_email,
        host_email=meeting.host_email,
        start=meeting.start,
        duration_minutes=_minutes(meeting.start, meeting.end),
        time_zone=meeting.timezone,
        in_progress=None,
        private=private,
        join_url=meeting.web_link,
    )


def from_instance(
    meeting: RestMeeting,
    *,
    key: str,
    schedule: RestMeeting | None = None,
    private: bool | None = None,
) -> Observation:
    """An instance: what runs (rule 2). States other than ``inProgress``,
    ``lobby`` and ``ended`` say nothing about running, only who hosts it.

    An instance's start is when it really began, not the schedule's, so it is
    left out; ``schedule`` (the series or occurrence it belongs to, for a
    meeting first seen running) supplies the schedule instead, as a listing
    would."""
    running = {"inProgress": True, "lobby": True, "ended": False}.get(meeting.state)
    lobby = meeting.state == "lobby"
    scheduled = None if schedule is None else from_scheduled(schedule, key=key, private=private)
    return Observation(
        key=key,
        authority=Authority.LIVE_DETAIL if scheduled is None else Authority.SCHEDULE,
        uuid=series_id(meeting.id),
        title=meeting.title if scheduled is None else scheduled.title or meeting.title,
        host_id=meeting.host_email,
        host_email=meeting.host_email,
        start=None if scheduled is None else scheduled.start,
        duration_minutes=None if scheduled is None else scheduled.duration_minutes,
        time_zone=meeting.timezone or (None if scheduled is None else scheduled.time_zone),
        in_progress=running,
        host_present=False if lobby else None,
        attendees_present=True if lobby else None,
        private=private,
        join_url=meeting.web_link or (None if scheduled is None else scheduled.join_url),
    )


def from_series_state(series: RestMeeting, *, key: str) -> Observation | None:
    """A series asked directly for a meeting the core holds in progress
    (rule 2): ``active`` or ``expired`` -> it runs no instance now; any other
    state says nothing."""
    if series.state not in ("active", "expired"):
        return None
    return Observation(
        key=key, authority=Authority.LIVE_DETAIL, uuid=series_id(series.id), in_progress=False
    )


def presence(participants: Iterable[RestParticipant]) -> tuple[bool, bool]:
    """(host present, attendees present) of a full roster (rule 3)."""
    host = attendees = False
    for person in participants:
        if person.host:
            host = host or person.state in _PRESENT
        else:
            attendees = attendees or person.state in _PRESENT | _WAITING
    return host, attendees


def from_roster(key: str, participants: Iterable[RestParticipant]) -> Observation:
    """A full participant listing of a running instance (rule 3)."""
    host, attendees = presence(participants)
    return Observation(
        key=key,
        authority=Authority.LIVE_DETAIL,
        in_progress=True,
        host_present=host,
        attendees_present=attendees,
    )


def from_participant(participant: RestParticipant, *, key: str, event: str) -> Observation | None:
    """One participant's ``joined`` or ``left`` (rule 4); None when it says nothing."""
    gone = event == "left" or participant.state == "end"
    if participant.host:
        present = not gone and participant.state in _PRESENT
        if not present and not gone:
            return None  # a host in the lobby is not in the meeting yet
        return Observation(
            key=key,
            authority=Authority.LIVE_DETAIL,
            in_progress=True if present else None,
            host_present=present,
        )
    if gone or participant.state not in _PRESENT | _WAITING:
        return None
    return Observation(
        key=key, authority=Authority.LIVE_DETAIL, in_progress=True, attendees_present=True
    )


def deleted(
    meeting_id: str, *, key: str, start: datetime | None, known_start: datetime | None
) -> Observation | None:
    """A ``deleted`` delivery (rule 5): ``start`` is the deleted meeting's (None
    when unknown), ``known_start`` the one the meeting is known by."""
    occurrence = meeting_id != series_id(meeting_id) and INSTANCE_MARK not in meeting_id
    if occurrence and start is not None and known_start is not None and start != known_start:
        return None
    return Observation(key=key, authority=Authority.GONE)


def next_occurrences(meetings: Iterable[RestMeeting], now: datetime) -> dict[str, RestMeeting]:
    """Per meeting number, the earliest listed occurrence that has not ended
    (rule 1); meetings without a number or a start are left out."""
    chosen: dict[str, RestMeeting] = {}
    for meeting in meetings:
        number, start = meeting.meeting_number, meeting.start
        if not number or start is None or (meeting.end is not None and meeting.end <= now):
            continue
        held = chosen.get(number)
        if held is None or (held.start is not None and start < held.start):
            chosen[number] = meeting
    return chosen


def roster_wanted(
    held: MeetingSnapshot | None,
    *,
    listed_state: str,
    last_roster: datetime | None,
    now: datetime,
    gap: bool,
) -> bool:
    """Whether a live sweep lists this running meeting's participants (rule 6).

    ``held`` is what the core knows (None: it does not hold it in progress),
    ``listed_state`` the instance's state as listed or asked, ``last_roster``
    when its participants were last listed, ``gap`` whether deliveries may
    have been lost (or there are no webhooks)."""
    if gap or held is None or not held.in_progress:
        return True
    if held.host_present is not True or held.attendees_present is None:
        return True
    if listed_state == "lobby":
        return True  # the listing says no host: it disagrees with the core
    return last_roster is None or now - last_roster >= ROSTER_REFRESH


def outdated(held: MeetingSnapshot | None, *, began: datetime | None, lobby: bool) -> bool:
    """Whether a delivery of a meeting running, that ``began`` then, came
    after what the core already knows superseded it (rule 7). ``lobby``: it
    says the host is not in yet. Unknown times are never outdated."""
    if held is None or began is None:
        return False
    if not held.in_progress:
        return held.ended_at is not None and began < held.ended_at
    if lobby and held.host_present is True and held.started_at is not None:
        return began < held.started_at
    return False


def unlisted(
    held: Iterable[MeetingSnapshot],
    listed: Collection[str],
    *,
    hosts: Collection[str],
    window: tuple[datetime, datetime],
) -> list[MeetingSnapshot]:
    """The meetings held scheduled that a complete listing of ``hosts``
    (casefolded) over ``window`` should have shown and did not (rule 8)."""
    earliest, latest = window
    return [
        s
        for s in held
        if s.key not in listed
        and not (s.in_progress or s.cancelled or s.ended_at is not None)
        and s.host_email is not None
        and s.host_email.casefold() in hosts
        and earliest <= s.start <= latest
    ]


def merged_state(delivered: RestMeeting, detail: RestMeeting) -> RestMeeting:
    """The looked-up meeting, but in the state the delivery reported (the
    listing behind ``GET`` may lag the webhook)."""
    return replace(detail, state=delivered.state, start=delivered.start or detail.start,
                   end=delivered.end or detail.end)  # fmt: skip
