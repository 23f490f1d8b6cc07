"""The real XmlApiClient against a fake endpoint on loopback: batching, paging,
limits, credentials, transport failures and the one-request-in-flight rule."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.errors import (
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    RateLimitedError,
    StartInPastError,
    WebexDecodeError,
    WebexTimeoutError,
    WebexTransportError,
)
from adapters.webex.models import ExternalAttendeeSecurity, MeetingRequest
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.models import SessionInfo, SessionRef
from tests.fakes.xml_api import (
    Answer,
    Failure,
    FakeXmlApi,
    Responder,
    envelope,
    operations,
    start,
    xml_response,
)

EP_NS = 'xmlns:ep="http://www.webex.com/schemas/2002/06/service/ep"'
MEET_NS = 'xmlns:meet="http://www.webex.com/schemas/2002/06/service/meeting"'
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "p&ss</password><siteName>evil"


@pytest.fixture
async def make() -> AsyncIterator[Callable[..., object]]:
    servers: list[TestServer] = []
    clients: list[XmlApiClient] = []

    async def factory(responder: Responder, **options: object) -> tuple[FakeXmlApi, XmlApiClient]:
        fake = FakeXmlApi(responder)
        server, url = await start(fake)
        servers.append(server)
        credentials = options.pop("credentials", None) or Credentials(
            site_name="site", webex_id="bot", password=PASSWORD
        )
        client = XmlApiClient(url, credentials, clock=lambda: NOW, **options)  # type: ignore[arg-type]
        clients.append(client)
        return fake, client

    yield factory
    for client in clients:
        await client.close()
    for server in servers:
        await server.close()


def answer_all(answer: Callable[[str, etree._Element], Answer], ns: str = EP_NS) -> Responder:
    async def respond(request: etree._Element) -> web.StreamResponse:
        return xml_response(
            envelope([answer(op, c) for op, c in operations(request)], namespaces=ns)
        )

    return respond


def session_info_answer(op: str, content: etree._Element) -> Answer:
    key = content.findtext("sessionKey") or "1"
    if key.startswith("404"):
        return Failure("060001", "Meeting not found")
    return f"<ep:status>INPROGRESS</ep:status><ep:sessionkey>{key}</ep:sessionkey><ep:isLocked>true</ep:isLocked>"


def capped(limit: int, answer: Callable[[str, etree._Element], Answer]) -> Responder:
    inner = answer_all(answer)

    async def respond(request: etree._Element) -> web.StreamResponse:
        if len(operations(request)) > limit:
            reason = f"BodyContent count in a request must be less than {limit + 1}"
            return xml_response(envelope([Failure("000053", reason)]))
        return await inner(request)

    return respond


async def test_session_infos_batch_under_a_learned_cap(make) -> None:
    fake, client = await make(capped(4, session_info_answer), body_content_batch=50)
    refs = [SessionRef.by_key(k) for k in ["1", "2", "4041", "3", "4", "5", "6", "4042", "7", "8"]]
    results = await client.get_session_infos(refs)
    assert client.body_content_limit == 4
    # one refused request of 10, then 4 + 4 + 2.
    assert [len(ops) for ops in fake.operations()] == [10, 4, 4, 2]
    for ref, result in zip(refs, results, strict=True):
        if ref.key and ref.key.startswith("404"):
            assert isinstance(result, NotFoundError)
        else:
            assert isinstance(result, SessionInfo) and result.session_key == ref.key
            assert result.is_locked
    again = await client.get_session_infos(refs[:6])
    assert len(again) == 6 and [len(ops) for ops in fake.operations()][-2:] == [4, 2]


async def test_a_cap_learned_earlier_is_used_from_the_first_request(make) -> None:
    fake, client = await make(capped(4, session_info_answer), body_content_limit=4)
    await client.get_session_infos([SessionRef.by_key(str(k)) for k in range(9)])
    assert [len(ops) for ops in fake.operations()] == [4, 4, 1]


async def test_session_infos_start_from_a_default_batch(make) -> None:
    fake, client = await make(answer_all(session_info_answer))
    results = await client.get_session_infos([SessionRef.by_key(str(k)) for k in range(23)])
    assert len(results) == 23 and client.body_content_limit is None
    assert [len(ops) for ops in fake.operations()] == [10, 10, 3]


async def test_session_info_by_uuid_is_sent_as_meeting_uuid(make) -> None:
    fake, client = await make(answer_all(session_info_answer))
    await client.get_session_infos([SessionRef.by_uuid("039c00dd")])
    (content,) = fake.requests[0].iter("bodyContent")
    assert [child.tag for child in content] == ["meetingUUID"]


async def test_http_403_blocks_session_info_for_two_hours(make) -> None:
    async def forbidden(request: etree._Element) -> web.StreamResponse:
        return web.Response(status=403, text="Forbidden")

    fake, client = await make(forbidden)
    with pytest.raises(SessionInfoBlockedError) as caught:
        await client.get_session_infos([SessionRef.by_key("1")])
    assert caught.value.until == NOW + timedelta(hours=2)
    with pytest.raises(SessionInfoBlockedError):
        await client.get_session_infos([SessionRef.by_key("1")])
    assert len(fake.requests) == 1  # blocked calls are not sent
    assert client.session_info_blocked_until == NOW + timedelta(hours=2)


async def test_the_403_block_is_held_once_in_the_shared_budget(make) -> None:
    async def forbidden(request: etree._Element) -> web.StreamResponse:
        return web.Response(status=403, text="Forbidden")

    fake, client = await make(forbidden)
    budget = SessionInfoBudget(hourly=500)
    client.use_budget(budget)
    with pytest.raises(SessionInfoBlockedError):
        await client.live_state("1")
    # The feed and the commands see the block without a request of their own...
    assert budget.blocked(NOW) and budget.available(NOW) == 0
    assert budget.blocked_until == NOW + timedelta(hours=2)
    # ...and once the feed clears it, the client sends again.
    assert budget.unblock_if_over(NOW + timedelta(hours=2))
    assert client.session_info_blocked_until is None
    with pytest.raises(SessionInfoBlockedError):
        await client.get_session_infos([SessionRef.by_key("1")])
    assert len(fake.requests) == 2


async def test_http_403_retry_after_is_honoured(make) -> None:
    async def forbidden(request: etree._Element) -> web.StreamResponse:
        return web.Response(status=403, headers={"Retry-After": "120"})

    _, client = await make(forbidden)
    with pytest.raises(SessionInfoBlockedError) as caught:
        await client.get_session_infos([SessionRef.by_key("1")])
    assert caught.value.until == NOW + timedelta(seconds=120)


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (Failure("000045", "API Rate Limit Reached"), RateLimitedError),
        (Failure("030002", "Incorrect user or password"), CredentialsError),
    ],
)
async def test_request_level_failures_fail_the_whole_batch(make, failure, error_type) -> None:
    async def respond(request: etree._Element) -> web.StreamResponse:
        return xml_response(envelope([failure]))

    fake, client = await make(respond)
    with pytest.raises(error_type) as caught:
        await client.get_session_infos([SessionRef.by_key("1"), SessionRef.by_key("2")])
    assert len(fake.requests) == 1  # never retried
    assert PASSWORD not in str(caught.value)
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 60


def summary_rows(keys: range) -> list[str]:
    return [
        f"<ep:session><ep:sessionKey>{k}</ep:sessionKey><ep:confName>m{k}</ep:confName>"
        "<ep:hostWebExID>h</ep:hostWebExID><ep:timeZoneID>4</ep:timeZoneID>"
        "<ep:status>NOT_INPROGRESS</ep:status><ep:startTime>03/01/2026 00:00:00</ep:startTime>"
        "<ep:duration>30</ep:duration></ep:session>"
        for k in keys
    ]


def paged(total: int) -> Responder:
    async def respond(request: etree._Element) -> web.StreamResponse:
        (op, content), *_ = operations(request)
        if op == "GetSite":
            return xml_response(envelope([Failure("000001", "Access denied")]))
        first = int(content.findtext("listControl/startFrom") or 1)
        size = int(content.findtext("listControl/maximumNum") or 10)
        keys = range(first, min(first + size, total + 1))
        if total == 0:
            return xml_response(envelope([Failure("000015", "Sorry, no record found")]))
        matching = (
            f"<ep:matchingRecords><serv:total>{total}</serv:total><serv:returned>{len(keys)}"
            f"</serv:returned><serv:startFrom>{first}</serv:startFrom></ep:matchingRecords>"
        )
        return xml_response(envelope([matching + "".join(summary_rows(keys))], namespaces=EP_NS))

    return respond


async def test_listing_reads_every_page(make) -> None:
    fake, client = await make(paged(23), page_size=10)
    listing = await client.list_sessions(start_from=NOW, start_to=NOW + timedelta(days=1))
    assert listing.complete and listing.total == 23
    assert [s.session_key for s in listing.sessions] == [str(k) for k in range(1, 24)]
    # 03/01/2026 00:00:00 in the dateScope zone (GMT-12, no DST).
    assert listing.sessions[0].start == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert listing.sessions[0].time_zone_id == 4
    assert fake.operations() == [["GetSite"]] + [["LstsummarySession"]] * 3
    request = fake.requests[1]
    (content,) = request.iter("bodyContent")
    assert [c.tag for c in content] == ["listControl", "order", "dateScope"]
    scope = content.find("dateScope")
    assert scope is not None
    assert [c.tag for c in scope] == [
        "startDateStart",
        "startDateEnd",
        "timeZoneID",
        "returnSpecifiedTimeZone",
    ]
    assert scope.findtext("startDateStart") == "03/01/2026 00:00:00"


async def test_getsite_denied_is_asked_once_and_refused_credentials_end_the_listing(
    make,
) -> None:
    fake, client = await make(paged(3), page_size=10)
    for _ in range(2):
        await client.list_sessions(start_from=NOW, start_to=NOW + timedelta(days=1))
    assert fake.operations() == [["GetSite"]] + [["LstsummarySession"]] * 2

    async def refuse(request: etree._Element) -> web.StreamResponse:
        return xml_response(envelope([Failure("030002", "Incorrect user or password")]))

    fake, client = await make(refuse)
    with pytest.raises(CredentialsError):
        await client.list_sessions(start_from=NOW, start_to=NOW + timedelta(days=1))
    assert fake.operations() == [["GetSite"]]  # one refused sign-in, not two


async def test_empty_listing_is_complete(make) -> None:
    _, client = await make(paged(0))
    listing = await client.list_sessions(
        start_from=NOW, start_to=NOW + timedelta(hours=1), host_webex_id="h", in_progress_only=True
    )
    assert listing.sessions == () and listing.complete and listing.total == 0


async def test_scheduled_pmr_is_asked_for_only_where_supported(make) -> None:
    async def respond(request: etree._Element) -> web.StreamResponse:
        (op, _), *_ = operations(request)
        if op == "GetSite":
            pmr = "<ns1:siteInstance><ns1:SupportXMLAPIReturnScheduledPMR>true</ns1:SupportXMLAPIReturnScheduledPMR></ns1:siteInstance>"
            ns = 'xmlns:ns1="http://www.webex.com/schemas/2002/06/service/site"'
            return xml_response(envelope([pmr], namespaces=ns))
        return xml_response(envelope([Failure("000015", "Sorry, no record found")]))

    fake, client = await make(respond)
    await client.list_sessions(start_from=NOW, start_to=NOW, host_webex_id="h")
    (content,) = fake.requests[1].iter("bodyContent")
    assert [c.tag for c in content][-2:] == ["hostWebExID", "returnScheduledPMR"]


def meeting_answer(op: str, content: etree._Element) -> Answer:
    if op == "LstMeetingType":
        return (
            '<mtgtype:meetingType xmlns:mtgtype="http://www.webex.com/schemas/2002/06/service/meetingtype">'
            "<mtgtype:name>PRO</mtgtype:name><mtgtype:meetingTypeID>3</mtgtype:meetingTypeID>"
            "</mtgtype:meetingType>"
        )
    if op == "CreateMeeting":
        if content.findtext("schedule/startDate", "").startswith("01/01/2000"):
            return Failure("060016", "start time should be later than current time")
        return "<meet:meetingkey>806745263</meet:meetingkey><meet:meetingPassword>Gen1</meet:meetingPassword>"
    return ""


async def test_create_meeting_escapes_and_orders_elements(make) -> None:
    fake, client = await make(answer_all(meeting_answer, MEET_NS))
    request = MeetingRequest(
        title="Plan <&> 会议",
        start=datetime(2026, 7, 1, 15, 0, tzinfo=UTC),
        duration_minutes=45,
        zone=ZoneInfo("America/Los_Angeles"),
        password=PASSWORD,
        auto_lock_minutes=10,
    )
    created = await client.create_meeting(request)
    assert created.meeting_key == "806745263" and created.password == "Gen1"
    (content,) = fake.requests[0].iter("bodyContent")
    assert [c.tag for c in content] == ["accessControl", "metaData", "schedule", "attendeeOptions"]
    assert content.findtext("metaData/confName") == "Plan <&> 会议"
    assert content.findtext("accessControl/meetingPassword") == PASSWORD
    assert content.findtext("schedule/startDate") == "07/01/2026 08:00:00"  # PDT
    assert [c.text for c in content.find("attendeeOptions")] == ["true", "10"]
    security = fake.requests[0].find("header/securityContext")
    assert security is not None and [c.tag for c in security] == ["siteName", "webExID", "password"]


async def test_start_in_the_past_and_private_without_support(make) -> None:
    _, client = await make(answer_all(meeting_answer, MEET_NS))
    past = MeetingRequest(title="t", start=datetime(2000, 1, 1, 12, tzinfo=UTC))
    with pytest.raises(StartInPastError):
        await client.create_meeting(past)
    private = MeetingRequest(title="t", start=NOW + timedelta(days=1), private=True)
    with pytest.raises(PrivateMeetingUnsupportedError):
        await client.create_meeting(private)


async def test_access_token_is_exchanged_for_a_session_ticket_once(make) -> None:
    def answer(op: str, content: etree._Element) -> Answer:
        if op == "AuthenticateUser":
            return "<use:sessionTicket>T-123</use:sessionTicket>"
        return ""

    ns = 'xmlns:use="http://www.webex.com/schemas/2002/06/service/user"'
    credentials = Credentials(site_name="site", webex_id="bot", access_token="secret-token")
    fake, client = await make(answer_all(answer, ns), credentials=credentials)
    await client.delete_meeting("1")
    await client.delete_meeting("2")
    assert fake.operations() == [["AuthenticateUser"], ["DelMeeting"], ["DelMeeting"]]
    assert fake.requests[0].findtext(".//accessToken") == "secret-token"
    for request in fake.requests[1:]:
        assert request.findtext("header/securityContext/sessionTicket") == "T-123"
        assert b"secret-token" not in etree.tostring(request)
    assert "secret-token" not in repr(credentials) and "secret-token" not in repr(client)


async def test_one_request_in_flight_per_account(make) -> None:
    async def slow(request: etree._Element) -> web.StreamResponse:
        await asyncio.sleep(0.01)
        return xml_response(envelope([""]))

    fake, client = await make(slow)
    await asyncio.gather(*(client.delete_meeting(str(k)) for k in range(5)))
    assert len(fake.requests) == 5 and fake.max_in_flight == 1


@pytest.mark.parametrize(
    ("responder_kind", "error_type"),
    [
        ("500", WebexTransportError),
        ("empty", WebexDecodeError),
        ("html", WebexDecodeError),
        ("truncated", WebexDecodeError),
        ("slow", WebexTimeoutError),
    ],
)
async def test_transport_failures_are_typed(make, responder_kind, error_type) -> None:
    async def respond(request: etree._Element) -> web.StreamResponse:
        if responder_kind == "500":
            return web.Response(status=500, text="oops")
        if responder_kind == "empty":
            return web.Response(body=b"", content_type="text/xml")
        if responder_kind == "html":
            return web.Response(text="<html><body>maintenance", content_type="text/html")
        if responder_kind == "truncated":
            return web.Response(body=envelope([""])[:-40], content_type="text/xml")
        await asyncio.sleep(1)
        return xml_response(envelope([""]))

    _, client = await make(respond, read_timeout=0.05)
    with pytest.raises(error_type):
        await client.delete_meeting("1")


async def test_connection_refused_is_a_transport_error() -> None:
    credentials = Credentials(site_name="s", webex_id="b", password="x")
    async with XmlApiClient("http://127.0.0.1:9/WBXService/XMLService", credentials) as client:
        with pytest.raises(WebexTransportError):
            await client.get_meeting("1")


class MeetingStore:
    """Keeps confName as sent and answers GetMeeting in ISO-8859-1, as Webex does."""

    def __init__(self) -> None:
        self.titles: dict[str, str] = {}

    async def respond(self, request: etree._Element) -> web.StreamResponse:
        (op, content), *_ = operations(request)
        if op == "CreateMeeting":
            key = str(1000 + len(self.titles))
            self.titles[key] = content.findtext("metaData/confName") or ""
            return xml_response(
                envelope([f"<meet:meetingkey>{key}</meet:meetingkey>"], namespaces=MEET_NS)
            )
        meet = "http://www.webex.com/schemas/2002/06/service/meeting"
        answer = etree.Element(f"{{{meet}}}answer", nsmap={"meet": meet})
        key = content.findtext("meetingKey") or ""
        for path, text in [
            ("metaData/confName", self.titles[key]),
            ("schedule/startDate", "07/01/2026 08:00:00"),
            ("schedule/timeZoneID", "4"),
            ("meetingkey", key),
        ]:
            parent = answer
            for step in path.split("/"):
                parent = etree.SubElement(parent, f"{{{meet}}}{step}")
            parent.text = text
        # envelope() writes ISO-8859-1: Latin-1 as bytes, the rest as character references.
        inner = "".join(etree.tostring(child, encoding="unicode") for child in answer)
        return xml_response(envelope([inner], namespaces=MEET_NS, encoding="ISO-8859-1"))


XML_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        exclude_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
        "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
    ),
    min_size=1,
    max_size=60,
).filter(lambda t: t.strip() != "")


@settings(max_examples=40, deadline=None)
@given(title=XML_TEXT)
def test_any_title_survives_create_then_get(title: str) -> None:
    async def scenario() -> str:
        store = MeetingStore()
        fake = FakeXmlApi(store.respond)
        server, url = await start(fake)
        try:
            credentials = Credentials(site_name="s", webex_id="b", password="pw")
            async with XmlApiClient(url, credentials) as client:
                start_at = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
                created = await client.create_meeting(MeetingRequest(title=title, start=start_at))
                return (await client.get_meeting(created.meeting_key)).title
        finally:
            await server.close()

    assert asyncio.run(scenario()) == title


async def test_titles_xml_cannot_carry_are_refused_before_sending(make) -> None:
    fake, client = await make(answer_all(meeting_answer, MEET_NS))
    with pytest.raises(ValueError, match="XML cannot carry"):
        await client.create_meeting(MeetingRequest(title="bell\x07", start=NOW))
    assert fake.requests == []


def serve_fixtures(by_operation: dict[str, str]) -> Responder:
    async def respond(request: etree._Element) -> web.StreamResponse:
        (op, _), *_ = operations(request)
        return xml_response((FIXTURES / by_operation[op]).read_bytes())

    return respond


async def test_every_read_operation_over_recorded_answers(make) -> None:
    fake, client = await make(
        serve_fixtures(
            {
                "GetSite": "getsite_templates.xml",
                "LstMeetingType": "lstmeetingtype_private.xml",
                "GetMeetingType": "lstmeetingtype_private.xml",
                "LstTimeZone": "lsttimezone_site.xml",
                "LstOpenSession": "lstopensession_two.xml",
                "GetMeeting": "getmeeting_autolock.xml",
                "DelMeeting": "failure_060001.xml",
            }
        )
    )
    site = await client.site_capabilities()
    assert site is await client.site_capabilities()  # cached
    assert [t.id for t in await client.meeting_types()] == [3, 169]
    assert (await client.meeting_type(3)).name == "Pro Meeting"
    zones = await client.time_zones()
    assert 62 in {z.id for z in zones} and 62 in client.zone_table
    assert len(await client.list_open_sessions()) == 2
    details = await client.get_meeting("1015045339")
    assert details.auto_lock_minutes == 10 and details.title == "Café 会议 <&>"
    with pytest.raises(NotFoundError):
        await client.delete_meeting("1")
    assert [ops[0] for ops in fake.operations()] == [
        "GetSite",
        "LstMeetingType",
        "GetMeetingType",
        "LstTimeZone",
        "LstOpenSession",
        "GetMeeting",
        "DelMeeting",
    ]


async def test_update_meeting_replaces_options_and_picks_a_private_type(make) -> None:
    fake, client = await make(
        serve_fixtures(
            {"LstMeetingType": "lstmeetingtype_private.xml", "SetMeeting": "setmeeting_ok.xml"}
        )
    )
    request = MeetingRequest(
        title="Board",
        start=datetime(2026, 7, 1, 15, 0, tzinfo=UTC),
        zone=ZoneInfo("Asia/Shanghai"),
        private=True,
        external_attendee_security=ExternalAttendeeSecurity.BLOCK_FROM_JOIN,
    )
    await client.update_meeting("1015045339", request)
    (content,) = fake.requests[-1].iter("bodyContent")
    assert [c.tag for c in content] == ["meetingkey", "metaData", "schedule", "attendeeOptions"]
    assert content.findtext("meetingkey") == "1015045339"
    assert content.findtext("metaData/meetingType") == "169"
    assert content.findtext("schedule/startDate") == "07/01/2026 23:00:00"
    assert [(c.tag, c.text) for c in content.find("attendeeOptions")] == [
        ("externalAttendeeSecurity", "BlockFromJoin"),
        ("autoLock", "false"),
    ]


async def test_open_sessions_none_is_empty(make) -> None:
    _, client = await make(serve_fixtures({"LstOpenSession": "failure_000015.xml"}))
    assert await client.list_open_sessions() == ()


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_meeting("12\x00"),
        lambda c: c.delete_meeting("\x1b[2J"),
        lambda c: c.list_sessions(start_from=NOW, start_to=NOW, host_webex_id="bob\x08"),
        lambda c: c.create_meeting(MeetingRequest(title="t", start=NOW, password="pw\x07SECRET")),
    ],
    ids=["key", "delete", "host", "password"],
)
async def test_text_xml_cannot_carry_is_a_value_error_naming_no_secret(make, call) -> None:
    fake, client = await make(answer_all(meeting_answer, MEET_NS))
    with pytest.raises(ValueError, match="XML cannot carry") as caught:
        await call(client)
    assert "SECRET" not in str(caught.value)
    assert all(op != ["DelMeeting"] and op != ["GetMeeting"] for op in fake.operations())
