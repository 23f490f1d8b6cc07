"""Request documents, built with lxml's ElementMaker in schema order.

Values only ever become element text through lxml, which escapes them, so no
user text (a title, a password) can change the document's structure; text XML
cannot carry at all is refused with ValueError before anything is sent. Element
order follows the 2011 schemas in ``reference/webex-xsd-2011`` and, for the
elements added since, the order of the samples in Cisco's release notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]  # lxml-stubs lacks it

from adapters.webex.models import MeetingRequest
from adapters.webex.xmlapi.credentials import Credentials
from adapters.webex.xmlapi.models import SessionRef
from adapters.webex.xmlapi.xml import SERV, XSI

__all__ = [
    "authenticate_user",
    "body_content",
    "del_meeting",
    "get_meeting",
    "get_meeting_type",
    "get_session_info",
    "get_site",
    "lst_meeting_type",
    "lst_open_session",
    "lst_summary_session",
    "lst_time_zone",
    "meeting_content",
    "message",
]


class _Maker(Protocol):
    """What ElementMaker is: ``E.tag(*children_or_text)`` builds one element."""

    def __getattr__(self, tag: str) -> Callable[..., etree._Element]: ...


# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _CheckedMaker:
    """ElementMaker that refuses text XML cannot carry with a ValueError of our
    own (naming the element, never the text: it may be a password), instead of
    lxml's."""

    def __init__(self, maker: _Maker) -> None:
        self._maker = maker

    def __getattr__(self, tag: str) -> Callable[..., etree._Element]:
        build: Callable[..., etree._Element] = getattr(self._maker, tag)

        def checked(*children: object) -> etree._Element:
            for child in children:
                if isinstance(child, str) and _NOT_XML.search(child):
                    raise ValueError(f"<{tag}> holds characters XML cannot carry")
            return build(*children)

        return checked


E: _Maker = _CheckedMaker(ElementMaker())
_SERV: _Maker = ElementMaker(namespace=SERV, nsmap={"serv": SERV, "xsi": XSI})
_XSI_TYPE = f"{{{XSI}}}type"
_PACKAGE = "java:com.webex.service.binding."


def body_content(operation: str, *children: etree._Element) -> etree._Element:
    """``<bodyContent xsi:type="java:com.webex.service.binding.{operation}">``,
    ``operation`` being ``"<package>.<Name>"``, e.g. ``"ep.GetSessionInfo"``."""
    content = E.bodyContent(*children)
    content.set(_XSI_TYPE, _PACKAGE + operation)
    return content


def message(
    credentials: Credentials, ticket: str | None, contents: Sequence[etree._Element]
) -> bytes:
    """The whole request document, UTF-8, with one securityContext.

    ``ticket`` (a sessionTicket) replaces the password when given.
    """
    security = E.securityContext(E.siteName(credentials.site_name), E.webExID(credentials.webex_id))
    if ticket is not None:
        security.append(E.sessionTicket(ticket))
    elif credentials.password is not None:
        security.append(E.password(credentials.password))
    root = _SERV.message(E.header(security), E.body(*contents))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def authenticate_user(access_token: str) -> etree._Element:
    return body_content("user.AuthenticateUser", E.accessToken(access_token))


def get_session_info(ref: SessionRef) -> etree._Element:
    if ref.key is not None:
        return body_content("ep.GetSessionInfo", E.sessionKey(ref.key))
    return body_content("ep.GetSessionInfo", E.meetingUUID(ref.uuid or ""))


def lst_summary_session(
    *,
    start_from: int,
    maximum: int,
    date_start: str,
    date_end: str,
    zone_id: int,
    host_webex_id: str | None,
    in_progress_only: bool,
    return_scheduled_pmr: bool,
) -> etree._Element:
    """Schema order: listControl, order, dateScope, (filters...), and last the
    40.6.0 addition returnScheduledPMR."""
    children = [
        E.listControl(
            E.startFrom(str(start_from)), E.maximumNum(str(maximum)), E.listMethod("AND")
        ),
        # A stable order keeps pages from overlapping while we read them.
        E.order(E.orderBy("STARTTIME"), E.orderAD("ASC")),
        E.dateScope(
            E.startDateStart(date_start),
            E.startDateEnd(date_end),
            E.timeZoneID(str(zone_id)),
            E.returnSpecifiedTimeZone("true"),
        ),
    ]
    if host_webex_id is not None:
        children.append(E.hostWebExID(host_webex_id))
    if in_progress_only:
        children.append(E.status("INPROGRESS"))
    if return_scheduled_pmr:
        children.append(E.returnScheduledPMR("true"))
    return body_content("ep.LstsummarySession", *children)


def lst_open_session() -> etree._Element:
    return body_content("ep.LstOpenSession")


def meeting_content(
    operation: str,
    request: MeetingRequest,
    *,
    start_date: str,
    zone_id: int,
    meeting_type_id: int | None,
    meeting_key: str | None = None,
    replace: bool = False,
) -> etree._Element:
    """CreateMeeting (``meeting_key`` None) or SetMeeting; ``request.host`` is a
    webExID, ``start_date`` the start in ``zone_id``'s clock.

    Order: meetingkey (first, as in Cisco's SetMeeting samples), accessControl,
    metaData, schedule, attendeeOptions. ``replace`` also sends the options left
    at their defaults, so SetMeeting turns off what the request does not ask for.

    Raises:
        ValueError: a value holds characters XML cannot carry (control
            characters other than tab and newlines).
    """
    children: list[etree._Element] = []
    if meeting_key is not None:
        children.append(E.meetingkey(meeting_key))
    if request.password is not None:
        children.append(E.accessControl(E.meetingPassword(request.password)))
    meta = E.metaData(E.confName(request.title))
    if meeting_type_id is not None:
        meta.append(E.meetingType(str(meeting_type_id)))
    children.append(meta)
    schedule = E.schedule(
        E.startDate(start_date),
        E.timeZoneID(str(zone_id)),
        E.duration(str(request.duration_minutes)),
    )
    if request.host is not None:
        schedule.append(E.hostWebExID(request.host))
    children.append(schedule)
    options: list[etree._Element] = []
    if request.external_attendee_security is not None:
        options.append(E.externalAttendeeSecurity(request.external_attendee_security.value))
    if request.auto_lock_minutes is not None:
        options += [E.autoLock("true"), E.autoLockWaitTime(str(request.auto_lock_minutes))]
    elif replace:
        options.append(E.autoLock(_bool(False)))
    if options:
        children.append(E.attendeeOptions(*options))
    return body_content(operation, *children)


def get_meeting(meeting_key: str) -> etree._Element:
    return body_content("meeting.GetMeeting", E.meetingKey(meeting_key))


def del_meeting(meeting_key: str) -> etree._Element:
    return body_content("meeting.DelMeeting", E.meetingKey(meeting_key))


def lst_meeting_type() -> etree._Element:
    return body_content("meetingtype.LstMeetingType")


def get_meeting_type(type_id: int) -> etree._Element:
    return body_content("meetingtype.GetMeetingType", E.meetingTypeID(str(type_id)))


def get_site() -> etree._Element:
    return body_content("site.GetSite")


def lst_time_zone() -> etree._Element:
    return body_content("site.LstTimeZone")
