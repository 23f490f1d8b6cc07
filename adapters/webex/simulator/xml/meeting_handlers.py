"""Meeting operations (package ``meeting``): Create, Set, Get and DelMeeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from adapters.webex.models import AUTO_LOCK_MINUTES, ExternalAttendeeSecurity

from .access import ACCESS_DENIED, can_change, is_invited, lookup_meeting
from .ep_handlers import meeting_link
from .protocol import MEET, SERV, Body, Outcome, SimFailure, bool_text
from .records import Meeting, User
from .site import SimulatedSite
from .zones import DEFAULT_TIME_ZONE_ID, format_local, parse_local, zone, zones

__all__ = ["create_meeting", "del_meeting", "get_meeting", "set_meeting"]

_START_IN_PAST = ("060016", "The session start time should be later than the current time.")
_KEY_NAMES = ("meetingKey", "sessionKey")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Changes:
    """What a Create/SetMeeting body asks for; None means "not given"."""

    title: str | None
    meeting_type_id: int | None
    start_text: str | None
    duration: int | None
    time_zone_id: int | None
    host: str | None
    password: str | None
    security: ExternalAttendeeSecurity | None
    auto_lock: bool | None
    auto_lock_minutes: int | None
    invited: tuple[str, ...]


def _invalid(name: str, value: object) -> SimFailure:
    return SimFailure("999999", f"Invalid value for {name}: {value}")


def _read(site: SimulatedSite, body: Body) -> _Changes:
    """Validate the parts of a meeting body the site understands.

    Raises:
        SimFailure: a value Webex would refuse.
    """
    meta = body.child("metaData")
    schedule = body.child("schedule")
    access = body.child("accessControl")
    options = body.child("attendeeOptions")
    type_id = meta.int_of("meetingType") if meta else None
    if type_id is not None and site.meeting_type(type_id) is None:
        raise SimFailure("999999", f"Invalid meeting type: {type_id}")
    zone_id = schedule.int_of("timeZoneID") if schedule else None
    if zone_id is not None and zone_id not in zones():
        raise _invalid("timeZoneID", zone_id)
    duration = schedule.int_of("duration") if schedule else None
    if duration is not None and duration < 1:
        raise _invalid("duration", duration)
    security_text = options.text_of("externalAttendeeSecurity") if options else None
    try:
        security = ExternalAttendeeSecurity(security_text) if security_text else None
    except ValueError:
        raise _invalid("externalAttendeeSecurity", security_text) from None
    minutes = options.int_of("autoLockWaitTime") if options else None
    if minutes is not None and minutes not in AUTO_LOCK_MINUTES:
        raise _invalid("autoLockWaitTime", minutes)
    participants = body.child("participants")
    return _Changes(
        title=meta.text_of("confName") if meta else None,
        meeting_type_id=type_id,
        start_text=schedule.text_of("startDate") if schedule else None,
        duration=duration,
        time_zone_id=zone_id,
        host=schedule.text_of("hostWebExID") if schedule else None,
        password=access.text_of("meetingPassword") if access else None,
        security=security,
        auto_lock=options.bool_of("autoLock") if options else None,
        auto_lock_minutes=minutes,
        invited=tuple(participants.descendants_text("webExId", "email")) if participants else (),
    )


def _future_start(site: SimulatedSite, text: str, zone_id: int) -> datetime:
    try:
        start = parse_local(text, zone_id)
    except ValueError:
        raise _invalid("startDate", text) from None
    if start <= site.clock.now():
        raise SimFailure(*_START_IN_PAST)
    return start


def _ical(site: SimulatedSite, meeting: Meeting) -> etree._Element:
    base = f"https://{site.site_name}.webex.com/{site.site_name}/j.php?MTID="
    return MEET.iCalendarURL(
        SERV.host(f"{base}h{meeting.uuid}"), SERV.attendee(f"{base}a{meeting.uuid}")
    )


def create_meeting(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Schedule a meeting for the caller (or, for an admin, for hostWebExID)."""
    changes = _read(site, body)
    host = user
    if changes.host and changes.host.lower() != user.webex_id.lower():
        other = site.user(changes.host)
        if other is None:
            raise SimFailure("060019", "Host webExID does not exist")
        if not user.admin:
            raise SimFailure("060021", "Cannot schedule a meeting for this host")
        host = other
    zone_id = DEFAULT_TIME_ZONE_ID if changes.time_zone_id is None else changes.time_zone_id
    if not changes.start_text:
        raise SimFailure("999999", "Missing required field: startDate")
    start = _future_start(site, changes.start_text, zone_id)
    password = changes.password or (site.generate_password() if site.password_required else None)
    auto_minutes = changes.auto_lock_minutes if changes.auto_lock else None
    if changes.auto_lock and auto_minutes is None:
        auto_minutes = 0
    type_id = changes.meeting_type_id
    if type_id is None and site.meeting_types():
        type_id = site.meeting_types()[0].id
    key = site.schedule(
        host=host.webex_id,
        title=changes.title or "",
        start=start,
        duration_minutes=changes.duration or 60,
        time_zone_id=zone_id,
        password=password,
        meeting_type_id=type_id,
        auto_lock_minutes=auto_minutes,
        external_attendee_security=changes.security,
        invited=changes.invited,
    )
    meeting = site.find(key=key)
    assert meeting is not None  # just scheduled
    children = [MEET.meetingkey(key)]
    if password is not None:
        children.append(MEET.meetingPassword(password))
    children += [
        _ical(site, meeting),
        MEET.guestToken(meeting.guest_token),
        MEET.meetingUUID(meeting.uuid),
    ]
    return Outcome(response_type="meet:createMeetingResponse", children=children)


def _owned(site: SimulatedSite, user: User, body: Body) -> Meeting:
    meeting = lookup_meeting(site, body, *_KEY_NAMES)
    if not can_change(user, meeting):
        raise SimFailure(*ACCESS_DENIED)
    return meeting


def set_meeting(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Change the given fields of a meeting the caller hosts (or any, as admin)."""
    meeting = _owned(site, user, body)
    changes = _read(site, body)
    zone_id = meeting.time_zone_id if changes.time_zone_id is None else changes.time_zone_id
    start = _future_start(site, changes.start_text, zone_id) if changes.start_text else None
    # Everything is validated above, so the changes below apply all or nothing.
    if start is not None:
        meeting.start = start
    meeting.time_zone_id = zone_id
    if changes.title is not None:
        meeting.title = changes.title
    if changes.duration is not None:
        meeting.duration_minutes = changes.duration
    if changes.password:
        meeting.password = changes.password
    if changes.meeting_type_id is not None:
        mtype = site.meeting_type(changes.meeting_type_id)
        meeting.meeting_type_id = changes.meeting_type_id
        meeting.private = mtype is not None and mtype.supports_private
    if changes.security is not None:
        meeting.external_attendee_security = changes.security
    if changes.auto_lock is False:
        meeting.auto_lock_minutes = None
    elif changes.auto_lock or changes.auto_lock_minutes is not None:
        minutes = changes.auto_lock_minutes
        meeting.auto_lock_minutes = minutes if minutes is not None else 0
    if changes.invited:
        meeting.invited = meeting.invited | {i.lower() for i in changes.invited}
    return Outcome(response_type="meet:setMeetingResponse", children=[_ical(site, meeting)])


def get_meeting(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """A meeting's settings, for its host, an invitee or an admin."""
    meeting = lookup_meeting(site, body, *_KEY_NAMES)
    if not (can_change(user, meeting) or is_invited(user, meeting)):
        raise SimFailure(*ACCESS_DENIED)
    host = site.user(meeting.host)
    access = MEET.accessControl(MEET.listToPublic("false"), MEET.isPublic("false"))
    if meeting.password is not None:
        access.append(MEET.meetingPassword(meeting.password))
    meta = MEET.metaData(MEET.confName(meeting.title))
    if meeting.meeting_type_id is not None:
        meta.append(MEET.meetingType(str(meeting.meeting_type_id)))
    options = MEET.attendeeOptions(MEET.joinRequiresAccount("false"))
    if meeting.external_attendee_security is not None:
        options.append(MEET.externalAttendeeSecurity(str(meeting.external_attendee_security)))
    options.append(MEET.autoLock(bool_text(meeting.auto_lock_minutes is not None)))
    if meeting.auto_lock_minutes is not None:
        options.append(MEET.autoLockWaitTime(str(meeting.auto_lock_minutes)))
    children = [
        access,
        meta,
        MEET.schedule(
            MEET.startDate(format_local(meeting.start, meeting.time_zone_id)),
            MEET.timeZoneID(str(meeting.time_zone_id)),
            MEET.timeZone(zone(meeting.time_zone_id).label),
            MEET.duration(str(meeting.duration_minutes)),
            MEET.hostWebExID(meeting.host),
        ),
        options,
        MEET.meetingkey(meeting.key),
        MEET.meetingUUID(meeting.uuid),
        MEET.status("INPROGRESS" if meeting.in_progress else "NOT_INPROGRESS"),
        MEET.hostJoined(bool_text(meeting.in_progress and meeting.host_present)),
        MEET.participantsJoined(bool_text(meeting.in_progress and meeting.attendees > 0)),
        MEET.isPrivateMeeting(bool_text(meeting.private)),
        MEET.hostEmail("" if host is None else host.email),
        MEET.meetingLink(meeting_link(site, meeting)),
    ]
    return Outcome(response_type="meet:getMeetingResponse", children=children)


def del_meeting(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Delete a meeting the caller hosts (or any, as admin)."""
    meeting = _owned(site, user, body)
    site.delete(meeting.key)
    return Outcome(response_type="meet:delMeetingResponse", children=[_ical(site, meeting)])
