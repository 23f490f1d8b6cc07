"""XML API response parsing: rows per second on one core, against lxml's ceiling.

Parses an LstsummarySession page of 500 sessions (rows shaped like Cisco's
sample, ~30 children each) and a 10-session GetSessionInfo batch, through the
client's real path (size/DOCTYPE checks, hardened parse, header pairing, row
models with time conversion), next to plain ``etree.fromstring`` of the same
bytes. Prints medians of several repeats and the bytes on the wire per session.

The summary page is read the client's way, through its row memo
(adapters/webex/xmlapi/rowmemo.py), in three states: rows never seen (a first
listing; an empty memo each run), the page read last time (a quiet site: every
row is recalled, only the envelope is parsed), and the page with a tenth of
its rows changed since (each run reads a page with other changes, so those
rows are never in the memo).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from lxml import etree

from adapters.webex.timezones import default_table
from adapters.webex.xmlapi import requests as rq
from adapters.webex.xmlapi import sessions
from adapters.webex.xmlapi.credentials import Credentials
from adapters.webex.xmlapi.envelope import split_outcomes
from adapters.webex.xmlapi.models import SessionRef
from adapters.webex.xmlapi.rowmemo import RowMemo
from adapters.webex.xmlapi.xml import parse_document

ROWS = 500
BATCH = 10
REPEATS = 15
CREDENTIALS = Credentials(site_name="examplesite", webex_id="meetbot", password="x" * 16)
NAMESPACES = (
    'xmlns:serv="http://www.webex.com/schemas/2002/06/service" '
    'xmlns:com="http://www.webex.com/schemas/2002/06/common" '
    'xmlns:ep="http://www.webex.com/schemas/2002/06/service/ep"'
)
OK = (
    "<serv:response><serv:result>SUCCESS</serv:result>"
    "<serv:gsbStatus>PRIMARY</serv:gsbStatus></serv:response>"
)


def _summary_row(n: int, version: int = 0) -> str:
    key = 800_000_000 + n
    title = f"Team Meeting {n}" + (f" (v{version})" if version else "")
    return f"""<ep:session><ep:sessionKey>{key}</ep:sessionKey>
<ep:MeetingUUID>{key:032x}</ep:MeetingUUID><ep:confName>{title}</ep:confName>
<ep:sessionType>3</ep:sessionType><ep:serviceType>MeetingCenter</ep:serviceType>
<ep:hostWebExID>host{n % 50}</ep:hostWebExID><ep:hostFirstName>Host</ep:hostFirstName>
<ep:hostLastName>Number{n % 50}</ep:hostLastName><ep:otherHostWebExID>host{n % 50}</ep:otherHostWebExID>
<ep:timeZoneID>4</ep:timeZoneID><ep:timeZone>GMT-08:00, Pacific (San Jose)</ep:timeZone>
<ep:status>NOT_INPROGRESS</ep:status><ep:startTime>03/{1 + n % 28:02d}/2026 {n % 24:02d}:30:00</ep:startTime>
<ep:duration>60</ep:duration><ep:listStatus>PUBLIC</ep:listStatus>
<ep:hostEmail>host{n % 50}@example.com</ep:hostEmail><ep:passwordReq>true</ep:passwordReq>
<ep:hostJoined>false</ep:hostJoined><ep:participantsJoined>false</ep:participantsJoined>
<ep:confID>{141672157056861215 + n}</ep:confID><ep:registration>false</ep:registration>
<ep:isRecurring>false</ep:isRecurring><ep:hostType>1019001</ep:hostType>
<ep:isAudioOnly>false</ep:isAudioOnly><ep:isTCSingleRecurrence>false</ep:isTCSingleRecurrence>
<ep:isAllowJBH>false</ep:isAllowJBH><ep:isCETMeeting>true</ep:isCETMeeting>
<ep:isException>false</ep:isException><ep:isNextUpcomingInstance>false</ep:isNextUpcomingInstance>
<ep:seriesMeetingKey>0</ep:seriesMeetingKey><ep:recurrenceId>0</ep:recurrenceId>
<ep:isScheduledPMR>false</ep:isScheduledPMR><ep:isPrivateMeeting>false</ep:isPrivateMeeting></ep:session>"""


def _summary_page(renamed: range = range(0), version: int = 0) -> bytes:
    """The page, with the rows in ``renamed`` given titles of ``version``."""
    rows = "".join(_summary_row(n, version if n in renamed else 0) for n in range(ROWS))
    matching = (
        f"<ep:matchingRecords><serv:total>{ROWS}</serv:total><serv:returned>{ROWS}</serv:returned>"
        "<serv:startFrom>1</serv:startFrom></ep:matchingRecords>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><serv:message {NAMESPACES}>'
        f"<serv:header>{OK}</serv:header><serv:body><serv:bodyContent>{matching}{rows}"
        "</serv:bodyContent></serv:body></serv:message>"
    ).encode()


def _info(n: int) -> str:
    return f"""<serv:bodyContent><ep:status>INPROGRESS</ep:status><ep:isLocked>false</ep:isLocked>
<ep:sessionkey>{800_000_000 + n}</ep:sessionkey><ep:meetingUUID>{n:032x}</ep:meetingUUID>
<ep:confID>{158941507534980823 + n}</ep:confID>
<ep:accessControl><ep:listStatus>PUBLIC</ep:listStatus><ep:registration>false</ep:registration>
<ep:passwordReq>true</ep:passwordReq></ep:accessControl>
<ep:metaData><ep:confName>Team Meeting {n}</ep:confName><ep:serviceType>MeetingCenter</ep:serviceType></ep:metaData>
<ep:host><ep:firstName>Host</ep:firstName><ep:lastName>N</ep:lastName>
<ep:email>host@example.com</ep:email><ep:webExId>host</ep:webExId></ep:host>
<ep:schedule><ep:startDate>03/01/2026 09:00:00</ep:startDate><ep:duration>60</ep:duration>
<ep:timeZone>GMT-08:00, Pacific (San Jose)</ep:timeZone></ep:schedule>
<ep:hasHostInMeeting>true</ep:hasHostInMeeting><ep:hasAttendeeInMeeting>true</ep:hasAttendeeInMeeting>
<ep:isAllowJBH>true</ep:isAllowJBH><ep:isPrivateMeeting>false</ep:isPrivateMeeting>
<ep:isCETMeeting>true</ep:isCETMeeting><ep:isPersonalMeetingRoom>false</ep:isPersonalMeetingRoom>
</serv:bodyContent>"""


def _info_batch() -> bytes:
    return (
        f'<?xml version="1.0" encoding="ISO-8859-1"?><serv:message {NAMESPACES}>'
        f"<serv:header>{OK * BATCH}</serv:header><serv:body>"
        f"{''.join(_info(n) for n in range(BATCH))}</serv:body></serv:message>"
    ).encode("latin-1")


def _median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    tz = default_table()
    page = _summary_page()
    batch = _info_batch()

    def answer(body: bytes) -> etree._Element:
        (content,) = split_outcomes(parse_document(body), "LstsummarySession")
        assert not isinstance(content, Exception)
        return content

    def summaries(body: bytes = page, memo: RowMemo | None = None) -> int:
        if memo is None:
            rows = sessions.session_page(answer(body), tz, 0).sessions
        else:
            rows = sessions.summary_page(body, answer, tz, 0, memo).sessions
        assert len(rows) == ROWS
        return len(rows)

    memo = RowMemo()
    summaries(page, memo)
    tenth = ROWS // 10
    # One page per run, each with another tenth of its rows renamed, so that
    # the renamed rows are never in the memo.
    changed_pages = iter(
        [
            _summary_page(range(i * tenth % ROWS, i * tenth % ROWS + tenth), version=i + 1)
            for i in range(REPEATS)
        ]
    )

    def infos() -> int:
        contents = split_outcomes(parse_document(batch), "GetSessionInfo")
        found = [sessions.session_info(c, tz) for c in contents if not isinstance(c, Exception)]
        assert len(found) == BATCH
        return len(found)

    list_request = rq.message(
        CREDENTIALS,
        None,
        [
            rq.lst_summary_session(
                start_from=1,
                maximum=ROWS,
                date_start="03/01/2026 00:00:00",
                date_end="03/31/2026 00:00:00",
                zone_id=0,
                host_webex_id=None,
                in_progress_only=False,
                return_scheduled_pmr=True,
            )
        ],
    )
    info_request = rq.message(
        CREDENTIALS,
        None,
        [rq.get_session_info(SessionRef.by_key(str(800_000_000 + n))) for n in range(BATCH)],
    )
    cases: list[tuple[str, int, bytes, bytes, Callable[[], object]]] = [
        (
            "LstsummarySession, rows never seen",
            ROWS,
            page,
            list_request,
            lambda: summaries(page, RowMemo()),
        ),
        (
            "LstsummarySession, page read before",
            ROWS,
            page,
            list_request,
            partial(summaries, page, memo),
        ),
        (
            "LstsummarySession, a tenth changed",
            ROWS,
            page,
            list_request,
            lambda: summaries(next(changed_pages), memo),
        ),
        ("GetSessionInfo batch", BATCH, batch, info_request, infos),
    ]
    print(
        f"{'answer':<36} {'rows':>5} {'parse+model rows/s':>19} {'fromstring rows/s':>18} "
        f"{'ratio':>6} {'wire B/session':>15}"
    )
    for name, rows, body, request, work in cases:
        ours = _median_seconds(work)
        ceiling = _median_seconds(partial(etree.fromstring, body))
        wire = (len(request) + len(body)) / rows
        print(
            f"{name:<36} {rows:>5} {rows / ours:>19,.0f} {rows / ceiling:>18,.0f} "
            f"{ceiling / ours:>6.2f} {wire:>15,.0f}"
        )
    print(f"(medians of {REPEATS} runs, one core; goal >= 100,000 summary rows/s)")


if __name__ == "__main__":
    main()
