"""Session answers -> models: LstsummarySession pages, GetSessionInfo, LstOpenSession.

Summary rows are read in one pass over their children with a tag -> field
table; this is the hot path of every poll.

Why a Python loop and not XSLT or XPath (measured on a 500-row page of
seed-shaped rows, ~30 children each, one core): the loop reads all rows in
~5 ms, close to the ~4.5 ms floor of merely touching every child's tag and
text from Python. Doing the extraction in C was slower, not faster: a compiled
XSLT (DENY_ALL access control) writing one text line per row took 6-7 ms at
its simplest and ~15 ms with per-field templates, because libxslt's per-node
overhead exceeds lxml's; fifteen compiled XPath column queries took ~3 ms with
exact names and ~290 ms once names are matched case-insensitively with
translate(), which rule 5 of :mod:`.xml` requires (``MeetingUUID`` and
``meetingUUID`` both occur in real answers). Proving in XPath that every row
has the first row's exact shape, so that one ``*/text()`` query (~1 ms) could
stand in for the loop, costs 6-12 ms by itself; EXSLT ``dyn:map`` is not
available to lxml's XPath. The model side (dataclasses, times) is ~3 ms and
already lean. So a page of rows never seen costs roughly parse 4.3 + rows 5 +
models 3 ms. The client reads listings through :func:`summary_pages` (one
request's bodyContents, one page each) and its row memo (:mod:`.rowmemo`),
which leaves rows it has seen before out of the parse and the loop
altogether: a page read a minute earlier costs ~1.5 ms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lxml import etree

from adapters.errors import WebexDecodeError, WebexError
from adapters.webex.models import LiveState
from adapters.webex.timezones import TimeZoneTable
from adapters.webex.xmlapi.models import OpenSession, SessionInfo, SessionStatus, SessionSummary
from adapters.webex.xmlapi.rowmemo import Cut, RowMemo
from adapters.webex.xmlapi.values import as_bool, as_int, as_opt_bool, as_status, as_time, flatten
from adapters.webex.xmlapi.xml import EP, SERV, FieldTable, children, local_name, text_of

__all__ = [
    "Page",
    "live_state_of",
    "open_sessions",
    "session_info",
    "session_info_or_error",
    "session_page",
    "summary_page",
    "summary_pages",
]

logger = logging.getLogger("meetbot.webex.xmlapi")

# --- LstsummarySession ---------------------------------------------------------

_SUMMARY = FieldTable(
    EP,
    {
        "sessionKey": "key",
        "meetingUUID": "uuid",
        "confName": "name",
        "hostWebExID": "host",
        "hostEmail": "email",
        "status": "status",
        "startTime": "start",
        "duration": "duration",
        "timeZoneID": "zone",
        "timeZone": "label",
        "hostJoined": "host_joined",
        "participantsJoined": "participants_joined",
        "isPrivateMeeting": "private",
        "isScheduledPMR": "pmr",
        "serviceType": "service",
    },
    raw=frozenset({"name"}),
)
_MATCHING = FieldTable(SERV, {"total": "total", "returned": "returned", "startFrom": "start"})


class Page:
    """One LstsummarySession page: its rows and ``matchingRecords``."""

    __slots__ = ("returned", "sessions", "start_from", "total")

    def __init__(
        self, sessions: list[SessionSummary], total: int, returned: int, start_from: int
    ) -> None:
        self.sessions = sessions
        self.total = total
        self.returned = returned
        self.start_from = start_from


def _summary(values: dict[str, str], tz: TimeZoneTable, scope_zone: int | None) -> SessionSummary:
    zone = as_int(values.get("zone"), "timeZoneID")
    # startTime is in dateScope's zone when the request named one, else in the
    # row's own zone. time_zone_id is the row's timeZoneID as sent; sites that
    # convert startTime may report dateScope's zone there too.
    start = as_time(
        tz,
        values.get("start"),
        scope_zone if scope_zone is not None else zone,
        None if scope_zone is not None else values.get("label"),
    )
    if start is None:
        raise WebexDecodeError("a session row without startTime")
    return SessionSummary(
        session_key=values["key"],
        meeting_uuid=values.get("uuid") or None,
        conf_name=values.get("name", ""),
        host_webex_id=values.get("host", ""),
        host_email=values.get("email") or None,
        status=as_status(values.get("status")),
        start=start,
        duration_minutes=as_int(values.get("duration"), "duration") or 0,
        time_zone_id=zone,
        host_joined=as_opt_bool(values.get("host_joined")),
        participants_joined=as_opt_bool(values.get("participants_joined")),
        is_private=as_bool(values.get("private")),
        is_scheduled_pmr=as_bool(values.get("pmr")),
        service_type=values.get("service") or None,
    )


def _row(row: etree._Element, tz: TimeZoneTable, scope_zone: int | None) -> SessionSummary | None:
    """One row's model, or None (with a warning) for a row that must be skipped."""
    values = _SUMMARY.read(row)
    if not values.get("key"):
        logger.warning("LstsummarySession row without sessionKey skipped")
        return None
    try:
        return _summary(values, tz, scope_zone)
    except (WebexDecodeError, ValueError) as e:
        logger.warning("LstsummarySession row %s skipped: %s", values["key"], e)
        return None


_SESSION_TAG = f"{{{EP}}}session"


def _rows_of(content: etree._Element) -> tuple[list[etree._Element], dict[str, str]]:
    """The answer's session rows (any case, in order) and its matchingRecords."""
    rows: list[etree._Element] = []
    matching: dict[str, str] = {}
    for child in content:
        tag = child.tag
        if tag == _SESSION_TAG or (isinstance(tag, str) and local_name(tag) == "session"):
            rows.append(child)
        elif isinstance(tag, str) and local_name(tag) == "matchingrecords":
            matching = _MATCHING.read(child)
    return rows, matching


def _read(
    rows: list[etree._Element], tz: TimeZoneTable, scope_zone: int | None
) -> list[SessionSummary]:
    return [s for s in (_row(row, tz, scope_zone) for row in rows) if s is not None]


def _page(sessions: list[SessionSummary], matching: dict[str, str]) -> Page:
    returned = as_int(matching.get("returned"), "returned")
    total = as_int(matching.get("total"), "total")
    return Page(
        sessions,
        total=total if total is not None else len(sessions),
        returned=returned if returned is not None else len(sessions),
        start_from=as_int(matching.get("start"), "startFrom") or 1,
    )


def session_page(content: etree._Element, tz: TimeZoneTable, scope_zone: int | None) -> Page:
    """An ``lstsummarySessionResponse``. Rows without a sessionKey or with an
    unreadable time are skipped with a warning (the listing then falls short of
    ``total`` and is reported incomplete)."""
    rows, matching = _rows_of(content)
    return _page(_read(rows, tz, scope_zone), matching)


#: Bytes -> one outcome per bodyContent the request sent: the answer, or the
#: error that stays with that item; raising what fails the whole request.
Outcomes = Callable[[bytes], list[etree._Element | WebexError]]


def _recalled(
    cut: Cut,
    found: list[tuple[list[etree._Element], dict[str, str]]],
    tz: TimeZoneTable,
    scope_zone: int | None,
    memo: RowMemo,
) -> list[Page]:
    """One page per answered bodyContent, its known rows from ``cut``."""
    known = iter(cut.rows)
    pages: list[Page] = []
    for rows, matching in found:
        sessions: list[SessionSummary] = []
        for row in rows:
            key, summary = next(known)
            if summary is None:
                summary = _row(row, tz, scope_zone)
            # Skipped rows are not remembered: a zone learned later may make them readable.
            if summary is not None:
                memo.put(key, summary)
                sessions.append(summary)
        pages.append(_page(sessions, matching))
    return pages


def _through_cut(
    body: bytes, outcomes: Outcomes, tz: TimeZoneTable, scope_zone: int | None, memo: RowMemo
) -> list[Page | WebexError] | None:
    """The answers read through a cut of ``body``, or None when the body must be
    read whole."""
    cut = memo.cut(body, (tz, tz.revision, scope_zone))
    if cut is None:
        return None
    try:
        answers = outcomes(cut.skeleton)
    except WebexError:
        if not cut.recalled:
            raise  # the skeleton is the body itself
        return None  # let the body itself say what is wrong
    contents = [a for a in answers if not isinstance(a, WebexError)]
    found = [_rows_of(content) for content in contents]
    rows = [row for content_rows, _ in found for row in content_rows]
    if not memo.fits(cut, contents, rows):
        if cut.recalled:
            return None
        # Without recalled rows the skeleton is the body: no need to parse it again.
        pages = [_page(_read(r, tz, scope_zone), m) for r, m in found]
    else:
        pages = _recalled(cut, found, tz, scope_zone, memo)
    read = iter(pages)
    return [a if isinstance(a, WebexError) else next(read) for a in answers]


def summary_pages(
    body: bytes, outcomes: Outcomes, tz: TimeZoneTable, scope_zone: int | None, memo: RowMemo
) -> list[Page | WebexError]:
    """An answer to one or several LstsummarySession bodyContents read through
    ``memo``: known rows are recalled, not parsed (see :mod:`.rowmemo`);
    otherwise as :func:`session_page`. One page, or the item's error, per
    bodyContent sent, in order.

    ``outcomes`` turns bytes into one outcome per bodyContent (the client's
    parse and envelope), raising what fails the whole request or the bytes.
    """
    answers = _through_cut(body, outcomes, tz, scope_zone, memo)
    if answers is not None:
        return answers
    results: list[Page | WebexError] = []
    noted = False
    for outcome in outcomes(body):
        if isinstance(outcome, WebexError):
            results.append(outcome)
            continue
        rows, matching = _rows_of(outcome)
        if rows and not noted:
            memo.note_prefix(rows[0].prefix)
            noted = True
        results.append(_page(_read(rows, tz, scope_zone), matching))
    return results


def summary_page(
    body: bytes,
    answer: Callable[[bytes], etree._Element],
    tz: TimeZoneTable,
    scope_zone: int | None,
    memo: RowMemo,
) -> Page:
    """An answer to one LstsummarySession bodyContent read through ``memo``
    (see :func:`summary_pages`).

    ``answer`` turns bytes into the answer's bodyContent, raising what the site
    answered or what is wrong with them (the client's parse and envelope).
    """
    (page,) = summary_pages(body, lambda b: [answer(b)], tz, scope_zone, memo)
    if isinstance(page, WebexError):
        raise page  # not reached: ``answer`` raises an item's error itself
    return page


# --- GetSessionInfo ----------------------------------------------------------------

_INFO_SECTIONS = frozenset({"metadata", "schedule", "host", "accesscontrol"})


def live_state_of(info: SessionInfo) -> LiveState:
    """GetSessionInfo's answer as the port's live state of one meeting. Presence
    is only meaningful while the session is in progress (40.9.0)."""
    live = info.status is SessionStatus.IN_PROGRESS
    return LiveState(
        meeting_key=info.session_key,
        in_progress=live,
        host_present=info.has_host_in_meeting if live else None,
        attendees_present=info.has_attendee_in_meeting if live else None,
        locked=info.is_locked if live else None,
        private=info.is_private,
        title=info.conf_name,
        host=info.host_webex_id,
        host_email=info.host_email,
        start=info.start,
        duration_minutes=info.duration_minutes,
        join_url=info.meeting_link,
    )


def session_info(content: etree._Element, tz: TimeZoneTable) -> SessionInfo:
    """A ``getSessionInfoResponse``; uninvited callers' missing fields stay None."""
    v = flatten(content, (EP,), _INFO_SECTIONS, raw=("metadata.confname",))
    key = v.get("sessionkey")
    if not key:
        raise WebexDecodeError("GetSessionInfo answer without sessionKey")
    zone = as_int(v.get("schedule.timezoneid") or v.get("timezoneid"), "timeZoneID")
    label = v.get("schedule.timezone")
    in_progress = as_status(v.get("status")) is SessionStatus.IN_PROGRESS
    return SessionInfo(
        session_key=key,
        meeting_uuid=v.get("meetinguuid") or None,
        status=SessionStatus.IN_PROGRESS if in_progress else SessionStatus.NOT_IN_PROGRESS,
        is_locked=as_bool(v.get("islocked")),
        # Only meaningful while in progress (40.9.0): false otherwise.
        has_host_in_meeting=in_progress and as_bool(v.get("hashostinmeeting")),
        has_attendee_in_meeting=in_progress and as_bool(v.get("hasattendeeinmeeting")),
        is_private=as_bool(v.get("isprivatemeeting")),
        is_personal_room=as_bool(v.get("ispersonalmeetingroom")),
        conf_name=v.get("metadata.confname"),
        host_webex_id=v.get("host.webexid") or None,
        host_email=v.get("host.email") or None,
        start=as_time(tz, v.get("schedule.startdate"), zone, label),
        duration_minutes=as_int(v.get("schedule.duration"), "duration"),
        time_zone_id=zone if zone is not None else (tz.zone_id_for_label(label or "")),
        meeting_link=v.get("meetinglink") or None,
    )


def session_info_or_error(
    outcome: etree._Element | WebexError, tz: TimeZoneTable
) -> SessionInfo | WebexError:
    """One item of a GetSessionInfo batch: its model, or the error that stays with
    that item (a FAILURE answer, or WebexDecodeError for an unreadable one)."""
    if isinstance(outcome, WebexError):
        return outcome
    try:
        return session_info(outcome, tz)
    except WebexDecodeError as e:
        return e


# --- LstOpenSession ------------------------------------------------------------------

_OPEN = FieldTable(
    EP,
    {
        "sessionKey": "key",
        "meetingUUID": "uuid",
        "sessionName": "name",
        "hostWebExID": "host",
        "startTime": "start",
        "actualStartTime": "actual",
        "timeZoneID": "zone",
    },
    raw=frozenset({"name"}),
)


def open_sessions(content: etree._Element, tz: TimeZoneTable) -> tuple[OpenSession, ...]:
    """An ``lstOpenSessionResponse`` (rows grouped by ``services``)."""
    found: list[OpenSession] = []
    for services in children(content, EP, "services"):
        service = next(children(services, EP, "serviceType"), None)
        for row in children(services, EP, "sessions"):
            v = _OPEN.read(row)
            if not v.get("key"):
                continue
            zone = as_int(v.get("zone"), "timeZoneID")
            found.append(
                OpenSession(
                    session_key=v["key"],
                    meeting_uuid=v.get("uuid") or None,
                    name=v.get("name", ""),
                    host_webex_id=v.get("host", ""),
                    service_type=None if service is None else text_of(service) or None,
                    start=as_time(tz, v.get("start"), zone),
                    actual_start=as_time(tz, v.get("actual"), zone),
                    time_zone_id=zone,
                )
            )
    return tuple(found)
