"""Meeting, meeting type, site, time zone and authentication answers -> models."""

from __future__ import annotations

from lxml import etree

from adapters.errors import WebexDecodeError
from adapters.webex.models import CreatedMeeting, ExternalAttendeeSecurity, MeetingDetails
from adapters.webex.timezones import TimeZoneTable
from adapters.webex.xmlapi.models import (
    MeetingTemplate,
    MeetingType,
    SiteCapabilities,
    TimeZoneInfo,
)
from adapters.webex.xmlapi.values import as_bool, as_int, as_time, flatten
from adapters.webex.xmlapi.xml import MEET, MTGTYPE, SERV, SITE, USE, children, local_name, text_of

__all__ = [
    "created_meeting",
    "meeting_details",
    "meeting_types",
    "session_ticket",
    "site_capabilities",
    "time_zones",
]

# --- meetings ------------------------------------------------------------------------

_MEETING_SECTIONS = frozenset(
    {"metadata", "schedule", "accesscontrol", "attendeeoptions", "icalendarurl"}
)


def created_meeting(content: etree._Element, *, password: str | None) -> CreatedMeeting:
    """A ``createMeetingResponse``; ``password`` is the one we sent, used when the
    site does not echo one."""
    v = flatten(content, (MEET, SERV), _MEETING_SECTIONS)
    key = v.get("meetingkey")
    if not key:
        raise WebexDecodeError("CreateMeeting answer without meetingkey")
    return CreatedMeeting(
        meeting_key=key,
        meeting_uuid=v.get("meetinguuid") or None,
        password=v.get("meetingpassword") or password,
        host_url=v.get("icalendarurl.host") or None,
        attendee_url=v.get("icalendarurl.attendee") or None,
        guest_token=v.get("guesttoken") or None,
    )


def _security(text: str | None) -> ExternalAttendeeSecurity | None:
    if not text:
        return None
    for option in ExternalAttendeeSecurity:
        if option.value.lower() == text.lower():
            return option
    return None


def meeting_details(content: etree._Element, tz: TimeZoneTable) -> MeetingDetails:
    """A ``getMeetingResponse``."""
    v = flatten(content, (MEET,), _MEETING_SECTIONS, raw=("metadata.confname",))
    key = v.get("meetingkey")
    if not key:
        raise WebexDecodeError("GetMeeting answer without meetingkey")
    zone = as_int(v.get("schedule.timezoneid"), "timeZoneID")
    start = as_time(tz, v.get("schedule.startdate"), zone, v.get("schedule.timezone"))
    if start is None:
        raise WebexDecodeError("GetMeeting answer without schedule/startDate")
    auto_lock = as_bool(v.get("attendeeoptions.autolock"))
    return MeetingDetails(
        meeting_key=key,
        meeting_uuid=v.get("meetinguuid") or None,
        title=v.get("metadata.confname", ""),
        start=start,
        duration_minutes=as_int(v.get("schedule.duration"), "duration") or 0,
        zone=tz.iana_zone(zone),
        host=v.get("schedule.hostwebexid", ""),
        password=v.get("accesscontrol.meetingpassword") or None,
        is_private=as_bool(v.get("isprivatemeeting")),
        auto_lock=auto_lock,
        auto_lock_minutes=(
            as_int(v.get("attendeeoptions.autolockwaittime"), "autoLockWaitTime")
            if auto_lock
            else None
        ),
        external_attendee_security=_security(v.get("attendeeoptions.externalattendeesecurity")),
        join_url=v.get("meetinglink") or None,
    )


# --- meeting types, site, time zones, authentication ------------------------------


def _meeting_type(row: etree._Element) -> MeetingType | None:
    values: dict[str, str] = {}
    # SupportPrivateMeeting's place in the row is not documented: look at any depth.
    for element in row.iter():
        tag = element.tag
        if isinstance(tag, str):
            values.setdefault(local_name(tag), text_of(element))
    type_id = as_int(values.get("meetingtypeid"), "meetingTypeID")
    if type_id is None:
        return None
    return MeetingType(
        id=type_id,
        name=values.get("displayname") or values.get("name") or values.get("meetingtypename", ""),
        supports_private=as_bool(values.get("supportprivatemeeting")),
    )


def meeting_types(content: etree._Element) -> tuple[MeetingType, ...]:
    """An ``lstMeetingTypeResponse`` (rows) or a ``getMeetingTypeResponse`` (itself a row)."""
    rows = list(children(content, MTGTYPE, "meetingType"))
    found = [_meeting_type(row) for row in (rows or [content])]
    return tuple(t for t in found if t is not None)


def site_capabilities(content: etree._Element) -> SiteCapabilities:
    """A ``getSiteResponse``: the switches in any section of ``siteInstance``."""
    site = next(children(content, SITE, "siteInstance"), content)
    name = ""
    pmr = False
    types: list[MeetingType] = []
    templates: list[MeetingTemplate] = []
    prefix = f"{{{SITE}}}"
    for element in site.iter():
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith(prefix):
            continue
        lname = local_name(tag)
        if lname == "supportxmlapireturnscheduledpmr":
            pmr = as_bool(text_of(element))
        elif lname == "sitename" and not name:
            name = text_of(element)
        elif lname == "meetingtypes":
            found = _meeting_type(element)
            if found is not None:
                types.append(found)
        elif lname == "meetingtemplate":
            v = flatten(element, (SITE,), ())
            templates.append(
                MeetingTemplate(
                    name=v.get("meetingtemplatename", ""), service_type=v.get("servicetype", "")
                )
            )
    return SiteCapabilities(
        site_name=name,
        supports_return_scheduled_pmr=pmr,
        meeting_types=tuple(types),
        templates=tuple(templates),
    )


def time_zones(content: etree._Element) -> tuple[TimeZoneInfo, ...]:
    """An ``lstTimeZoneResponse``."""
    found: list[TimeZoneInfo] = []
    for row in children(content, SITE, "timeZone"):
        v = flatten(row, (SITE,), ())
        zone_id = as_int(v.get("timezoneid"), "timeZoneID")
        offset = as_int(v.get("gmtoffset"), "gmtOffset")
        if zone_id is None or offset is None:
            continue
        found.append(
            TimeZoneInfo(
                id=zone_id,
                description=v.get("description", ""),
                gmt_offset_minutes=offset,
                fall_in_dst=as_bool(v.get("fallindst")),
            )
        )
    return tuple(found)


def session_ticket(content: etree._Element) -> str:
    """An ``authenticateUserResponse``'s sessionTicket.

    Raises:
        WebexDecodeError: the answer has none.
    """
    ticket = next(children(content, USE, "sessionTicket"), None)
    if ticket is None or not text_of(ticket):
        raise WebexDecodeError("AuthenticateUser answer without sessionTicket")
    return text_of(ticket)
