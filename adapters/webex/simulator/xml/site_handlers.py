"""Site-level operations: GetSite, LstTimeZone, LstMeetingType, GetMeetingType,
and AuthenticateUser (package ``user``)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from .access import NO_RECORD
from .protocol import MTGTYPE, SERV, SITE, USE, Body, Outcome, SimFailure, bool_text
from .records import MeetingTypeRecord, User
from .site import SimulatedSite
from .zones import parse_gmt, zones

__all__ = [
    "BAD_CREDENTIALS",
    "authenticate_user",
    "get_meeting_type",
    "get_site",
    "lst_meeting_type",
    "lst_time_zone",
]

BAD_CREDENTIALS = ("030002", "Incorrect user or password")


def get_site(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Feature switches, meeting types and templates of the site."""
    types = [
        SITE.meetingTypes(SITE.meetingTypeID(str(t.id)), SITE.meetingTypeName(t.name))
        for t in site.meeting_types()
    ]
    instance = SITE.siteInstance(
        SITE.metaData(SITE.siteName(site.site_name), SITE.serviceType("MeetingCenter")),
        SITE.siteCommonOptions(
            SITE.SupportXMLAPIReturnScheduledPMR(bool_text(site.supports_return_scheduled_pmr))
        ),
        *types,
        SITE.meetingTemplates(
            SITE.meetingTemplate(
                SITE.meetingTemplateName("Standard meeting"), SITE.serviceType("MeetingCenter")
            )
        ),
        SITE.securityOptions(SITE.EnableMobileScreenCapture("true")),
    )
    return Outcome(response_type="ns1:getSiteResponse", children=[instance])


def lst_time_zone(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Zones asked for (all when none), with offsets at ``date`` (GMT) or now."""
    wanted = [c.text for c in body.children("timeZoneID")]
    try:
        ids = [int(i) for i in wanted] if wanted else sorted(zones())
    except ValueError:
        raise SimFailure("999999", "Invalid value for timeZoneID") from None
    date_text = body.text_of("date")
    at: datetime = site.clock.now()
    if date_text:
        try:
            at = parse_gmt(date_text)
        except ValueError:
            raise SimFailure("999999", f"Invalid value for date: {date_text}") from None
    rows: list[etree._Element] = []
    for zone_id in ids:
        zone = zones().get(zone_id)
        if zone is None:
            raise SimFailure("999999", f"Invalid value for timeZoneID: {zone_id}")
        local = at.astimezone(zone.tz)
        offset = local.utcoffset()
        dst = local.dst()
        rows.append(
            SITE.timeZone(
                SITE.timeZoneID(str(zone_id)),
                SITE.gmtOffset(str(0 if offset is None else int(offset.total_seconds() // 60))),
                SITE.description(zone.label),
                SITE.fallInDST(bool_text(bool(dst))),
            )
        )
    return Outcome(response_type="ns1:lstTimeZoneResponse", children=rows)


def _meeting_type(record: MeetingTypeRecord) -> list[etree._Element]:
    return [
        MTGTYPE.productCodePrefix(record.name[:3].upper()),
        MTGTYPE.active("ACTIVATED"),
        MTGTYPE.name(record.name),
        MTGTYPE.displayName(record.name),
        MTGTYPE.meetingTypeID(str(record.id)),
        MTGTYPE.serviceTypes(MTGTYPE.serviceType("MeetingCenter")),
        MTGTYPE.SupportPrivateMeeting(bool_text(record.supports_private)),
    ]


def lst_meeting_type(site: SimulatedSite, user: User, body: Body) -> Outcome:
    """Every meeting type, each with SupportPrivateMeeting (40.12.0)."""
    types = site.meeting_types()
    if not types:
        raise SimFailure(*NO_RECORD)
    children: list[etree._Element] = [
        MTGTYPE.matchingRecords(
            SERV.total(str(len(types))), SERV.returned(str(len(types))), SERV.startFrom("1")
        )
    ]
    children += [MTGTYPE.meetingType(*_meeting_type(t)) for t in types]
    return Outcome(response_type="mtgtype:lstMeetingTypeResponse", children=children)


def get_meeting_type(site: SimulatedSite, user: User, body: Body) -> Outcome:
    type_id = body.int_of("meetingTypeID")
    record = None if type_id is None else site.meeting_type(type_id)
    if record is None:
        raise SimFailure(*NO_RECORD)
    return Outcome(response_type="mtgtype:getMeetingTypeResponse", children=_meeting_type(record))


def authenticate_user(site: SimulatedSite, caller: User | None, body: Body) -> Outcome:
    """A session ticket for an access token, webExID+password, or the caller.

    Raises:
        SimFailure: 030002 when no credential names a user.
    """
    user: User | None = None
    token = body.text_of("accessToken")
    webex_id = body.text_of("webExID")
    if token:
        user = site.user_by_token(token)
    elif webex_id:
        candidate = site.user(webex_id)
        password = body.text_of("password")
        user = candidate if candidate and candidate.password == password else None
    else:
        user = caller
    if user is None:
        raise SimFailure(*BAD_CREDENTIALS)
    ticket = site.issue_ticket(user)
    return Outcome(
        response_type="use:authenticateUserResponse", children=[USE.sessionTicket(ticket)]
    )
