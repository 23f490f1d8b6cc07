"""XML API answers -> store observations. Pure.

Each function turns one kind of answer into :class:`state.model.Observation`
values carrying the authority of their source, leaving a field None wherever
that source does not really know it. The host is its webExId; a ``timeZoneID``
becomes its IANA name (:func:`adapters.webex.timezones.iana_name`), so the core
never sees an XML id:

- LstsummarySession rows know the schedule; their ``hostJoined`` and
  ``participantsJoined`` (attendees other than the host) mean something only
  while the session is in progress.
  Their ``timeZoneID`` is the zone the listing was asked in (dateScope), not
  the meeting's own, so it is left unknown: taking it would flip-flop with
  GetSessionInfo's answer and rewrite the snapshot on every poll.
- GetSessionInfo knows lock state and presence, but only while in progress
  (40.9.0), and its ``hasAttendeeInMeeting`` counts the host as an attendee;
  callers who are not invited get no title or schedule (40.8.0).
- LstOpenSession knows only that a session is in progress right now.
- A complete in-progress listing that lacks a session we believed in progress
  says it is not in progress any more (see :func:`ended_observations`).
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.webex.timezones import iana_name
from adapters.webex.xmlapi.models import OpenSession, SessionInfo, SessionStatus, SessionSummary
from state.model import Authority, MeetingSnapshot, Observation

__all__ = [
    "ended_observations",
    "from_open_session",
    "from_session_info",
    "from_summary",
    "not_found",
]


def _attendees_from_info(info: SessionInfo) -> bool | None:
    # hasAttendeeInMeeting is true for "attendees or the host" (40.9.0): with
    # the host in, it cannot tell whether anyone else is, and guessing would
    # contradict the listing's participantsJoined on every poll.
    if not info.has_attendee_in_meeting:
        return False
    return None if info.has_host_in_meeting else True


def from_summary(row: SessionSummary) -> Observation:
    """One LstsummarySession row."""
    live = row.status is SessionStatus.IN_PROGRESS
    return Observation(
        key=row.session_key,
        authority=Authority.SCHEDULE,
        uuid=row.meeting_uuid,
        title=row.conf_name,
        host_id=row.host_webex_id or None,
        host_email=row.host_email,
        start=row.start,
        duration_minutes=row.duration_minutes,
        in_progress=live,
        host_present=row.host_joined if live else None,
        attendees_present=row.participants_joined if live else None,
        private=row.is_private,
        personal_room=row.is_scheduled_pmr,
    )


def from_session_info(info: SessionInfo) -> Observation:
    """One GetSessionInfo answer."""
    live = info.status is SessionStatus.IN_PROGRESS
    return Observation(
        key=info.session_key,
        authority=Authority.LIVE_DETAIL,
        uuid=info.meeting_uuid,
        title=info.conf_name,
        host_id=info.host_webex_id,
        host_email=info.host_email,
        start=info.start,
        duration_minutes=info.duration_minutes,
        time_zone=iana_name(info.time_zone_id),
        in_progress=live,
        host_present=info.has_host_in_meeting if live else None,
        attendees_present=_attendees_from_info(info) if live else None,
        locked=info.is_locked if live else None,
        private=info.is_private,
        personal_room=info.is_personal_room,
        join_url=info.meeting_link,
    )


def from_open_session(row: OpenSession) -> Observation:
    """One LstOpenSession row: in progress, nothing said about who is in it."""
    return Observation(
        key=row.session_key,
        authority=Authority.LIVE_LISTING,
        uuid=row.meeting_uuid,
        title=row.name or None,
        host_id=row.host_webex_id or None,
        start=row.start,
        time_zone=iana_name(row.time_zone_id),
        in_progress=True,
    )


def not_found(key: str) -> Observation:
    """A direct lookup (GetSessionInfo) said the session does not exist."""
    return Observation(key=key, authority=Authority.GONE)


def ended_observations(
    believed_live: Iterable[MeetingSnapshot], listed_live: Iterable[str]
) -> list[Observation]:
    """Sessions we believed in progress that a COMPLETE in-progress listing,
    covering their host and start, no longer shows.

    The caller guarantees completeness and coverage; an incomplete listing
    proves nothing and must not be passed here.
    """
    listed = set(listed_live)
    return [
        Observation(key=s.key, authority=Authority.SCHEDULE, in_progress=False)
        for s in believed_live
        if s.in_progress and s.key not in listed
    ]
