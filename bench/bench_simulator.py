"""How cheap is a large simulated site? Scheduling and listing 10,000 meetings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from adapters.webex.simulator import SimClock, example_site
from adapters.webex.simulator.xml.handlers import answer, caller_of
from adapters.webex.simulator.xml.protocol import parse_request, render_response

COUNT = 10_000
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _listing(start_from: int) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"'
        b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        b"<header><securityContext><siteName>acme</siteName><webExID>admin</webExID>"
        b"<password>admin-pass</password></securityContext></header><body>"
        b'<bodyContent xsi:type="java:com.webex.service.binding.ep.LstsummarySession">'
        b"<listControl><startFrom>%d</startFrom><maximumNum>500</maximumNum></listControl>"
        b"</bodyContent></body></serv:message>" % start_from
    )


def main() -> None:
    site = example_site(clock=SimClock(start=T0, speed=0))
    began = time.perf_counter()
    for i in range(COUNT):
        site.schedule(
            host=("alice", "bob", "chen")[i % 3],
            title=f"Meeting {i}",
            start=T0 + timedelta(minutes=5 * (i + 1)),
        )
    scheduled = time.perf_counter() - began
    print(f"   schedule() x {COUNT}: {scheduled:.3f} s")
    began = time.perf_counter()
    pages = 0
    start = 1
    total = len(site.meetings())
    while start <= total:
        request = parse_request(_listing(start))
        result = answer(site, request, caller_of(site, request))
        render_response(result.outcomes)
        pages += 1
        start += 500
    listed = time.perf_counter() - began
    print(
        f"   LstsummarySession, {pages} pages of 500: {listed:.3f} s ({listed / pages * 1000:.1f} ms/page)"
    )
