"""Listings and site information from the simulated site: LstsummarySession,
LstOpenSession, meeting types, GetSite, LstTimeZone."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import ClientSession
from lxml import etree

from adapters.webex.simulator import SimulatedSite
from tests.simxml import E, Item, S, call, content, message


def _list(*parts: etree._Element) -> etree._Element:
    return content("ep.LstsummarySession", *parts)


def _rows(item: Item, field: str = "sessionKey") -> list[str | None]:
    return [Item("", None, None, row).text(field) for row in item.all("session")]


async def test_pages_add_up_to_the_total(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    for hour in range(7):
        sim_site.schedule(
            host="bob",
            title=f"Extra {hour}",
            start=sim_site.clock.now() + timedelta(hours=hour + 1),
        )
    seen: list[str | None] = []
    start = 1
    while True:
        control = E.listControl(E.startFrom(str(start)), E.maximumNum("4"), E.listMethod("AND"))
        (page,) = await call(sim_http, sim_url, message(_list(control)))
        total = int(page.text("matchingRecords/total") or 0)
        returned = int(page.text("matchingRecords/returned") or 0)
        assert page.text("matchingRecords/startFrom") == str(start)
        seen += _rows(page)
        start += returned
        if start > total:
            break
    expected = [m.key for m in sim_site.meetings() if not m.personal_room]
    assert seen == expected


async def test_prefixed_list_control_and_descending_order(
    sim_http: ClientSession, sim_url: str
) -> None:
    request = _list(
        E.listControl(S.startFrom("1"), S.maximumNum("2")),
        E.order(E.orderBy("STARTTIME"), E.orderAD("DESC")),
    )
    (item,) = await call(sim_http, sim_url, message(request))
    assert item.text("matchingRecords/returned") == "2"
    assert _rows(item, "confName") == ["Customer demo", "Release planning"]


async def test_date_scope_zone_sets_start_time(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    # Weekly sync starts 10:00 UTC on 2026-01-05: 18:00 in Beijing (zone 45).
    scope = E.dateScope(
        E.startDateStart("01/05/2026 17:00:00"),
        E.startDateEnd("01/05/2026 18:30:00"),
        E.timeZoneID("45"),
    )
    (item,) = await call(sim_http, sim_url, message(_list(scope)))
    assert _rows(item, "confName") == ["Weekly sync"]
    assert _rows(item, "startTime") == ["01/05/2026 18:00:00"]
    assert _rows(item, "timeZoneID") == ["45"]


async def test_non_admins_see_only_their_own(sim_http: ClientSession, sim_url: str) -> None:
    (own,) = await call(
        sim_http, sim_url, message(_list(), webex_id="alice", password="alice-pass")
    )
    assert set(_rows(own, "hostWebExID")) == {"alice"}
    other = _list(E.hostWebExID("bob"))
    (denied,) = await call(
        sim_http, sim_url, message(other, webex_id="alice", password="alice-pass")
    )
    assert denied.exception_id == "000001"
    (admin,) = await call(sim_http, sim_url, message(other))
    assert set(_rows(admin, "hostWebExID")) == {"bob"}


async def test_scheduled_pmr_needs_request_flag_and_site_switch(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    ask = message(_list(E.hostWebExID("chen"), E.returnScheduledPMR("true")))
    (with_pmr,) = await call(sim_http, sim_url, ask)
    assert "true" in _rows(with_pmr, "isScheduledPMR")
    (without,) = await call(sim_http, sim_url, message(_list(E.hostWebExID("chen"))))
    assert _rows(without, "isScheduledPMR") == ["false"]
    sim_site.supports_return_scheduled_pmr = False
    (switched_off,) = await call(sim_http, sim_url, ask)
    assert _rows(switched_off, "isScheduledPMR") == ["false"]


async def test_status_filter_lists_live_sessions_with_presence(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    live = _list(E.status("INPROGRESS"))
    (none,) = await call(sim_http, sim_url, message(live))
    assert (none.result, none.exception_id) == ("FAILURE", "000015")
    key = sim_site.meetings()[1].key
    sim_site.attendee_joins(key)
    (item,) = await call(sim_http, sim_url, message(live))
    assert _rows(item) == [key]
    assert _rows(item, "hostJoined") == ["false"]
    assert _rows(item, "participantsJoined") == ["true"]


async def test_private_title_withheld_in_listing(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    key = next(m.key for m in sim_site.meetings() if m.private)
    sim_site.start(key)
    (listed,) = await call(sim_http, sim_url, message(_list(E.sessionKey(key))))
    assert _rows(listed, "confName") == ["1:1 Bob / Chen"]  # admins see it
    (open_for_alice,) = await call(
        sim_http,
        sim_url,
        message(content("ep.LstOpenSession"), webex_id="alice", password="alice-pass"),
    )
    sessions = open_for_alice.body.findall(".//{*}sessions")
    assert [s.findtext("{*}sessionKey") for s in sessions] == [key]
    assert sessions[0].findtext("{*}sessionName") is None


async def test_lst_open_session_groups_live_sessions(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    (empty,) = await call(sim_http, sim_url, message(content("ep.LstOpenSession")))
    assert empty.exception_id == "000015"
    keys = [m.key for m in sim_site.meetings()[:2]]
    for key in keys:
        sim_site.start(key)
    (item,) = await call(sim_http, sim_url, message(content("ep.LstOpenSession")))
    (service,) = item.all("services")
    assert service.findtext("{*}serviceType") == "MeetingCenter"
    assert [s.findtext("{*}sessionKey") for s in service.findall("{*}sessions")] == keys
    assert service.findtext("{*}sessions/{*}actualStartTime") == "01/05/2026 01:00:00"


async def test_meeting_types_and_site(sim_http: ClientSession, sim_url: str) -> None:
    items = await call(
        sim_http,
        sim_url,
        message(
            content("meetingtype.LstMeetingType"),
            content("meetingtype.GetMeetingType", E.meetingTypeID("169")),
            content("site.GetSite"),
        ),
    )
    listed, private, site = items
    types = {
        t.findtext("{*}meetingTypeID"): t.findtext("{*}SupportPrivateMeeting")
        for t in listed.all("meetingType")
    }
    assert types == {"3": "false", "169": "true"}
    assert private.text("SupportPrivateMeeting") == "true"
    assert site.text("siteInstance/siteCommonOptions/SupportXMLAPIReturnScheduledPMR") == "true"
    assert site.text("siteInstance/securityOptions/EnableMobileScreenCapture") == "true"
    assert site.body.findtext(".//{*}meetingTemplateName")
    assert site.body.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ns1:getSiteResponse"


async def test_time_zones_follow_daylight_saving(sim_http: ClientSession, sim_url: str) -> None:
    summer = content("site.LstTimeZone", E.timeZoneID("4"), E.date("07/01/2026 12:00:00"))
    winter = content("site.LstTimeZone", E.timeZoneID("4"), E.date("01/01/2026 12:00:00"))
    every = content("site.LstTimeZone")
    july, january, all_zones = await call(sim_http, sim_url, message(summer, winter, every))
    assert (july.text("timeZone/gmtOffset"), july.text("timeZone/fallInDST")) == ("-420", "true")
    assert january.text("timeZone/gmtOffset") == "-480"
    assert january.text("timeZone/description") == "GMT-08:00, Pacific (San Jose)"
    assert len(all_zones.all("timeZone")) == 62


async def test_unknown_operation_and_malformed_requests(
    sim_http: ClientSession, sim_url: str
) -> None:
    items = await call(
        sim_http, sim_url, message(content("ep.LstTeleport"), content("site.GetSite"))
    )
    assert [i.result for i in items] == ["FAILURE", "SUCCESS"]
    assert items[0].exception_id == "999999"
    for raw in (b"not xml", b"<a/>", b'<!DOCTYPE x [<!ENTITY e "x">]><a>&e;</a>'):
        (item,) = await call(sim_http, sim_url, raw)
        assert (item.result, item.exception_id) == ("FAILURE", "999999")
