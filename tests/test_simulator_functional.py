"""The simulated site over loopback, spoken to in raw XML (Cisco's sample shapes)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import ClientSession

from adapters.webex.simulator import SimClock, SimulatedSite
from tests.simxml import E, call, content, message, post


def _key(site: SimulatedSite, title: str) -> str:
    return next(m.key for m in site.meetings() if m.title == title)


async def test_get_session_info_by_key_and_uuid_in_order(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    weekly = sim_site.meeting(_key(sim_site, "Weekly sync"))
    review = sim_site.meeting(_key(sim_site, "Design review"))
    items = await call(
        sim_http,
        sim_url,
        message(
            content("ep.GetSessionInfo", E.sessionkey(weekly.key)),
            content("ep.GetSessionInfo", E.sessionKey("123")),
            content("ep.GetSessionInfo", E.MeetingUUID(review.uuid)),
        ),
    )
    assert [i.result for i in items] == ["SUCCESS", "FAILURE", "SUCCESS"]
    assert items[0].text("sessionkey") == weekly.key
    assert items[0].text("metaData/confName") == "Weekly sync"
    assert items[0].text("schedule/timeZoneID") == "4"
    assert items[0].text("status") == "NOT_INPROGRESS"
    assert items[1].exception_id == "060001"
    assert items[2].text("meetingUUID") == review.uuid


async def test_presence_flags_only_while_in_progress(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    key = _key(sim_site, "Weekly sync")
    request = message(content("ep.GetSessionInfo", E.sessionKey(key)))
    (before,) = await call(sim_http, sim_url, request)
    assert before.text("hasHostInMeeting") is None
    sim_site.attendee_joins(key, count=2)
    (waiting,) = await call(sim_http, sim_url, request)
    assert (waiting.text("status"), waiting.text("hasHostInMeeting")) == ("INPROGRESS", "false")
    assert waiting.text("hasAttendeeInMeeting") == "true"
    sim_site.host_joins(key)
    sim_site.lock(key)
    (live,) = await call(sim_http, sim_url, request)
    assert (live.text("hasHostInMeeting"), live.text("isLocked")) == ("true", "true")
    sim_site.end(key)
    (after,) = await call(sim_http, sim_url, request)
    assert after.text("status") == "NOT_INPROGRESS"
    assert after.text("hasAttendeeInMeeting") is None


async def test_auto_lock_fires_after_its_minutes(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    key = sim_site.schedule(
        host="alice", title="Locks", start=sim_clock.now() + timedelta(hours=1), auto_lock_minutes=5
    )
    sim_site.start(key)
    request = message(content("ep.GetSessionInfo", E.sessionKey(key)))
    (early,) = await call(sim_http, sim_url, request)
    sim_clock.advance(timedelta(minutes=5))
    (later,) = await call(sim_http, sim_url, request)
    assert (early.text("isLocked"), later.text("isLocked")) == ("false", "true")


async def test_private_details_withheld_from_outsiders(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    key = _key(sim_site, "1:1 Bob / Chen")
    get = content("ep.GetSessionInfo", E.sessionKey(key))
    (outsider,) = await call(
        sim_http, sim_url, message(get, webex_id="alice", password="alice-pass")
    )
    (invitee,) = await call(sim_http, sim_url, message(get, webex_id="chen", password="chen-pass"))
    (admin,) = await call(sim_http, sim_url, message(get))
    assert outsider.text("isPrivateMeeting") == "true"
    for withheld in ("metaData/confName", "schedule/startDate", "schedule/duration", "meetingLink"):
        assert outsider.text(withheld) is None, withheld
    assert invitee.text("metaData/confName") == admin.text("metaData/confName") == "1:1 Bob / Chen"


async def test_hourly_limit_answers_403_for_two_hours(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite, sim_clock: SimClock
) -> None:
    sim_site.sessioninfo_hourly_limit = 3
    key = _key(sim_site, "Weekly sync")
    info = message(content("ep.GetSessionInfo", E.sessionKey(key)))
    statuses = [(await post(sim_http, sim_url, info))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 403]
    listing = message(content("ep.LstsummarySession"))
    (still_listing,) = await call(sim_http, sim_url, listing)
    assert still_listing.result == "SUCCESS"
    sim_clock.advance(timedelta(hours=1, minutes=59))
    assert (await post(sim_http, sim_url, info))[0] == 403
    sim_clock.advance(timedelta(minutes=1))
    assert (await post(sim_http, sim_url, info))[0] == 200


async def test_too_many_body_contents_fail_every_item(
    sim_http: ClientSession, sim_url: str, sim_site: SimulatedSite
) -> None:
    sim_site.body_content_limit = 2
    items = await call(sim_http, sim_url, message(*[content("site.GetSite") for _ in range(3)]))
    assert {(i.result, i.exception_id) for i in items} == {("FAILURE", "000053")}
    assert items[0].reason == "BodyContent count in a request must be less than 3"


async def test_credentials_are_checked(sim_http: ClientSession, sim_url: str) -> None:
    get_site = content("site.GetSite")
    for request in (
        message(get_site, password="wrong"),
        message(get_site, webex_id="nobody"),
        message(get_site, site_name="other"),
    ):
        (item,) = await call(sim_http, sim_url, request)
        assert (item.result, item.exception_id) == ("FAILURE", "030002")


async def test_anonymous_listing_finds_no_record(sim_http: ClientSession, sim_url: str) -> None:
    request = message(content("ep.LstsummarySession"), webex_id=None, password=None)
    (item,) = await call(sim_http, sim_url, request)
    assert (item.result, item.exception_id, item.reason) == (
        "FAILURE",
        "000015",
        "Sorry, no record found",
    )


async def test_authenticate_user_ticket_replaces_password(
    sim_http: ClientSession, sim_url: str
) -> None:
    auth = content("user.AuthenticateUser", E.accessToken("alice-token"))
    (item,) = await call(sim_http, sim_url, message(auth, webex_id=None, password=None))
    ticket = item.text("sessionTicket")
    assert ticket
    (site,) = await call(
        sim_http,
        sim_url,
        message(content("site.GetSite"), webex_id="alice", password=None, ticket=ticket),
    )
    assert site.result == "SUCCESS"
    (bad,) = await call(
        sim_http,
        sim_url,
        message(content("site.GetSite"), webex_id=None, password=None, ticket="nope"),
    )
    assert bad.exception_id == "030002"
    wrong = content("user.AuthenticateUser", E.accessToken("stolen"))
    (refused,) = await call(sim_http, sim_url, message(wrong, webex_id=None, password=None))
    assert refused.exception_id == "030002"
