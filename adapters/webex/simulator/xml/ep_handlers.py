"""Session operations (package ``ep``): GetSessionInfo, LstsummarySession, LstOpenSession.

Every simulated session is a MeetingCenter session. LstsummarySession returns
10 rows when ``maximumNum`` is absent and at most ``site.list_page_limit``;
without ``order`` rows come by start time. Ended meetings stay listed as
NOT_INPROGRESS until deleted. ``participantsJoined`` counts attendees other
than the host; GetSessionInfo's ``hasAttendeeInMeeting`` counts the host too,
as Cisco describes it (40.9.0).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from lxml import etree

from .access import ACCESS_DENIED, NO_RECORD, can_see_details, lookup_meeting
from .foreign import foreign_rows_sorted
from .protocol import EP, SERV, Body, Outcome, SimFailure, add_fields, bool_text
from .records import Meeting, User
from .site import SimulatedSite
from .zones import DEFAULT_TIME_ZONE_ID, format_local, parse_local, zone

__all__ = ["get_session_info", "lst_open_session", "lstsummary_session", "meeting_link"]

SERVICE_TYPE = "MeetingCenter"
_DEFAULT_PAGE = 10


def meeting_link(site: SimulatedSite, meeting: Meeting) -> str:
    return f"https://{site.site_name}.webex.com/{site.site_name}/j.php?MTID=m{meeting.uuid}"


def get_session_info(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """One session by sessionKey or meetingUUID; private details only for insiders."""
    meeting = lookup_meeting(site, body, "sessionKey")
    now = site.clock.now()
    insider = can_see_details(user, meeting)
    host = site.user(meeting.host)
    status = "INPROGRESS" if meeting.in_progress else "NOT_INPROGRESS"
    meta = EP.metaData()
    if insider:
        meta.append(EP.confName(meeting.title))
    meta.append(EP.serviceType(SERVICE_TYPE))
    schedule = EP.schedule()
    if insider:
        schedule.append(EP.startDate(format_local(meeting.start, meeting.time_zone_id)))
        schedule.append(EP.duration(str(meeting.duration_minutes)))
        schedule.append(EP.timeZone(zone(meeting.time_zone_id).label))
    schedule.append(EP.timeZoneID(str(meeting.time_zone_id)))
    children: list[etree._Element] = [
        EP.status(status),
        EP.isLocked(bool_text(meeting.is_locked(now))),
        EP.sessionkey(meeting.key),
        EP.meetingUUID(meeting.uuid),
        EP.confID(meeting.conf_id),
        EP.accessControl(
            EP.listStatus("UNLISTED" if meeting.private else "PUBLIC"),
            EP.registration("false"),
            EP.passwordReq(bool_text(meeting.password is not None)),
            EP.isRegisterIDRequired("false"),
        ),
        meta,
        EP.host(
            EP.firstName("" if host is None else host.first_name),
            EP.lastName("" if host is None else host.last_name),
            EP.email("" if host is None else host.email),
            EP.webExId(meeting.host),
        ),
        schedule,
        EP.attendeeOptions(EP.joinRequiresAccount("false")),
    ]
    if meeting.in_progress:
        # 40.9.0: presence is only reported while the session runs.
        children.append(EP.hasHostInMeeting(bool_text(meeting.host_present)))
        children.append(
            EP.hasAttendeeInMeeting(bool_text(meeting.host_present or meeting.attendees > 0))
        )
    children += [
        EP.isAllowJBH("true"),
        EP.isPrivateMeeting(bool_text(meeting.private)),
        EP.isCETMeeting("true"),
        EP.isPersonalMeetingRoom(bool_text(meeting.personal_room)),
    ]
    if insider:
        children.append(EP.meetingLink(meeting_link(site, meeting)))
    return Outcome(response_type="ep:getSessionInfoResponse", children=children)


def _window(body: Body) -> tuple[int | None, Callable[[Meeting], bool]]:
    """The dateScope's zone (None when not given) and a predicate for its bounds."""
    scope = body.child("dateScope")
    if scope is None:
        return None, lambda _m: True
    given_zone = scope.int_of("timeZoneID")
    zone_id = DEFAULT_TIME_ZONE_ID if given_zone is None else given_zone

    def bound(name: str) -> datetime | None:
        text = scope.text_of(name)
        if not text:
            return None
        try:
            return parse_local(text, zone_id)
        except (ValueError, KeyError):
            raise SimFailure("999999", f"Invalid value for {name}: {text}") from None

    start_lo, start_hi = bound("startDateStart"), bound("startDateEnd")
    end_lo, end_hi = bound("endDateStart"), bound("endDateEnd")

    def inside(m: Meeting) -> bool:
        finish = m.start + timedelta(minutes=m.duration_minutes)
        return not (
            (start_lo is not None and m.start < start_lo)
            or (start_hi is not None and m.start > start_hi)
            or (end_lo is not None and finish < end_lo)
            or (end_hi is not None and finish > end_hi)
        )

    return given_zone, inside


_ORDER_KEYS: dict[str, Callable[[Meeting], object]] = {
    "STARTTIME": lambda m: m.start,
    "CONFNAME": lambda m: m.title.casefold(),
    "HOSTWEBEXID": lambda m: m.host.casefold(),
    "SESSIONKEY": lambda m: int(m.key),
}


def _sort(rows: list[Meeting], body: Body) -> None:
    """Sort by the request's orderBy/orderAD pairs (default: start time, key)."""
    rows.sort(key=lambda m: (m.start, int(m.key)))
    order = body.child("order")
    if order is None:
        return
    fields = [c.text.upper() for c in order.children("orderBy")]
    directions = [c.text.upper() for c in order.children("orderAD")]
    # Stable sorts applied from the last key to the first give a multi-key order.
    for index in reversed(range(len(fields))):
        key = _ORDER_KEYS.get(fields[index])
        if key is not None:
            descending = index < len(directions) and directions[index] == "DESC"
            rows.sort(key=key, reverse=descending)  # type: ignore[arg-type]


def _selected(site: SimulatedSite, user: User, body: Body) -> tuple[list[Meeting], int | None]:
    """The matching meetings, unordered, and the dateScope's zone if one was given."""
    host_filter = body.text_of("hostWebExID")
    email_filter = body.text_of("hostEmail")
    if not user.admin:
        own = user.webex_id.lower()
        if (host_filter and host_filter.lower() != own) or (
            email_filter and email_filter.lower() != user.email.lower()
        ):
            raise SimFailure(*ACCESS_DENIED)
        host_filter = own
    if email_filter:
        owner = site.user_by_email(email_filter)
        if owner is None:
            raise SimFailure(*NO_RECORD)
        host_filter = owner.webex_id
    key_filter = body.text_of("sessionKey")
    live_only = (body.text_of("status") or "").upper() == "INPROGRESS"
    services = body.child("serviceTypes")
    if services is not None:
        wanted = {c.text for c in services.children("serviceType")}
        if wanted and SERVICE_TYPE not in wanted:
            return [], None
    with_pmr = bool(body.bool_of("returnScheduledPMR")) and site.supports_return_scheduled_pmr
    scope_zone, inside = _window(body)
    host_lower = None if not host_filter else host_filter.lower()
    # One pass over the site's meetings: cheap enough for 10,000 sessions.
    rows = [
        m
        for m in site.all_meetings()
        if (host_lower is None or m.host.lower() == host_lower)
        and (not key_filter or m.key == key_filter)
        and (not live_only or m.in_progress)
        and (with_pmr or not m.personal_room)
        and inside(m)
    ]
    return rows, scope_zone


def lstsummary_session(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Sessions matching the filters, one page; 000015 when none match."""
    rows, scope_zone = _selected(site, user, body)
    if not rows:
        raise SimFailure(*NO_RECORD)
    if site.foreign_listings:
        foreign_rows_sorted(rows)
    else:
        _sort(rows, body)
    control = body.child("listControl")
    start_from = (control.int_of("startFrom") if control else None) or 1
    maximum = control.int_of("maximumNum") if control else None
    maximum = _DEFAULT_PAGE if maximum is None else maximum
    maximum = max(0, min(maximum, site.list_page_limit))
    page = rows[start_from - 1 : start_from - 1 + maximum] if start_from >= 1 else []
    children: list[etree._Element] = [
        EP.matchingRecords(
            SERV.total(str(len(rows))),
            SERV.returned(str(len(page))),
            SERV.startFrom(str(start_from)),
        )
    ]
    children += [_session_row(site, user, m, scope_zone) for m in page]
    return Outcome(response_type="ep:lstsummarySessionResponse", children=children)


def _session_row(
    site: SimulatedSite, user: User, meeting: Meeting, scope_zone: int | None
) -> etree._Element:
    asked = None if site.lists_in_own_zone else scope_zone
    zone_id = meeting.time_zone_id if asked is None else asked
    host = site.user(meeting.host)
    fields = [("sessionKey", meeting.key), ("MeetingUUID", meeting.uuid)]
    if can_see_details(user, meeting):
        fields.append(("confName", meeting.title))
    fields += [
        ("sessionType", "3"),
        ("serviceType", SERVICE_TYPE),
        ("hostWebExID", meeting.host),
        ("hostFirstName", "" if host is None else host.first_name),
        ("hostLastName", "" if host is None else host.last_name),
        ("otherHostWebExID", meeting.host),
        ("timeZoneID", str(zone_id)),
        ("timeZone", zone(zone_id).label),
        ("status", "INPROGRESS" if meeting.in_progress else "NOT_INPROGRESS"),
        ("startTime", format_local(meeting.start, zone_id)),
        ("duration", str(meeting.duration_minutes)),
        ("listStatus", "UNLISTED" if meeting.private else "PUBLIC"),
        ("hostEmail", "" if host is None else host.email),
        ("passwordReq", bool_text(meeting.password is not None)),
        ("hostJoined", bool_text(meeting.in_progress and meeting.host_present)),
        ("participantsJoined", bool_text(meeting.in_progress and meeting.attendees > 0)),
        ("confID", meeting.conf_id),
        ("registration", "false"),
        ("isRecurring", "false"),
        ("hostType", "1019001"),
        ("isAudioOnly", "false"),
        ("isAllowJBH", "true"),
        ("isCETMeeting", "true"),
        ("isPrivateMeeting", bool_text(meeting.private)),
        ("isScheduledPMR", bool_text(meeting.personal_room)),
    ]
    return add_fields(EP.session(), "ep", fields)


def lst_open_session(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Every session in progress on the site, grouped under MeetingCenter."""
    wanted = {c.text for c in body.children("serviceType")}
    if wanted and SERVICE_TYPE not in wanted:
        raise SimFailure(*NO_RECORD)
    live = sorted((m for m in site.all_meetings() if m.in_progress), key=lambda m: m.start)
    if not live:
        raise SimFailure(*NO_RECORD)
    service = EP.services(EP.serviceType(SERVICE_TYPE))
    for meeting in live:
        row = EP.sessions(EP.sessionKey(meeting.key), EP.MeetingUUID(meeting.uuid))
        if can_see_details(user, meeting):
            row.append(EP.sessionName(meeting.title))
        actual = meeting.actual_start or meeting.start
        row.extend(
            [
                EP.hostWebExID(meeting.host),
                EP.startTime(format_local(meeting.start, meeting.time_zone_id)),
                EP.actualStartTime(format_local(actual, meeting.time_zone_id)),
                EP.timeZoneID(str(meeting.time_zone_id)),
                EP.listStatus("UNLISTED" if meeting.private else "PUBLIC"),
            ]
        )
        service.append(row)
    children = [
        EP.matchingRecords(
            SERV.total(str(len(live))), SERV.returned(str(len(live))), SERV.startFrom("1")
        ),
        service,
    ]
    return Outcome(response_type="ep:lstOpenSessionResponse", children=children)
