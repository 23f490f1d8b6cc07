"""The real XmlApiClient against the simulated Webex site over loopback, for
every operation and every error the site can produce."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.errors import (
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    RateLimitedError,
    StartInPastError,
    WebexDecodeError,
    WebexError,
    WebexTimeoutError,
    WebexTransportError,
)
from adapters.webex.models import ExternalAttendeeSecurity, MeetingRequest
from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.models import SessionInfo, SessionRef, SessionStatus
from tests.fakes.sim import running_site


def window(clock: SimClock, days: int = 4) -> dict[str, datetime]:
    now = clock.now()
    return {"start_from": now - timedelta(days=1), "start_to": now + timedelta(days=days)}


async def test_site_wide_listing_matches_the_site(connect, sim_site: SimulatedSite) -> None:
    client = connect()
    listing = await client.list_sessions(**window(sim_site.clock))
    assert listing.complete and listing.total == len(sim_site.meetings())
    by_key = {m.key: m for m in sim_site.meetings()}
    assert {s.session_key for s in listing.sessions} == set(by_key)
    for row in listing.sessions:
        meeting = by_key[row.session_key]
        assert row.start == meeting.start
        assert row.conf_name == meeting.title
        assert row.meeting_uuid == meeting.uuid
        assert row.duration_minutes == meeting.duration_minutes
        assert row.is_private == meeting.private
        assert row.is_scheduled_pmr == meeting.personal_room


async def test_listing_pages_through_everything(connect, sim_site: SimulatedSite) -> None:
    clock = sim_site.clock
    for n in range(25):
        sim_site.schedule(
            host="bob", title=f"bulk {n}", start=clock.now() + timedelta(hours=2, minutes=n)
        )
    sim_site.list_page_limit = 7
    before = sim_site.request_count("LstsummarySession")
    listing = await connect(page_size=50).list_sessions(**window(clock))
    assert listing.complete and len(listing.sessions) == len(sim_site.meetings())
    pages = sim_site.request_count("LstsummarySession") - before
    assert pages == -(-len(sim_site.meetings()) // 7)


async def test_a_listing_read_again_after_changes_equals_a_fresh_one(
    connect, sim_site: SimulatedSite
) -> None:
    clock = sim_site.clock
    for n in range(12):
        sim_site.schedule(host="bob", title=f"row {n}", start=clock.now() + timedelta(hours=n))
    sim_site.list_page_limit = 5
    watcher = connect()
    first = await watcher.list_sessions(**window(clock))
    keys = [s.session_key for s in first.sessions]
    changes = [
        lambda: sim_site.start(keys[0]),
        lambda: sim_site.host_joins(keys[0]),
        lambda: sim_site.reschedule(keys[3], start=clock.now() + timedelta(hours=30)),
        lambda: sim_site.reschedule(keys[4], duration_minutes=15),
        lambda: sim_site.delete(keys[1]),
        lambda: sim_site.end(keys[0]),
    ]
    for change in changes:
        change()
        again = await watcher.list_sessions(**window(clock))
        fresh = await connect().list_sessions(**window(clock))
        assert again == fresh
    assert watcher._rows.hits > 0  # the memo answered: the simulator's pages can be cut


async def test_per_host_live_listing(connect, sim_site: SimulatedSite) -> None:
    alice = [m for m in sim_site.meetings() if m.host == "alice"]
    sim_site.start(alice[0].key)
    sim_site.host_joins(alice[0].key)
    client = connect(Credentials(site_name="acme", webex_id="alice", password="alice-pass"))
    listing = await client.list_sessions(**window(sim_site.clock), host_webex_id="alice")
    assert {s.session_key for s in listing.sessions} == {m.key for m in alice}
    live = await client.list_sessions(
        **window(sim_site.clock), host_webex_id="alice", in_progress_only=True
    )
    (row,) = live.sessions
    assert row.status is SessionStatus.IN_PROGRESS and row.host_joined is True
    open_sessions = await client.list_open_sessions()
    assert [s.session_key for s in open_sessions] == [alice[0].key]


async def test_scheduled_personal_rooms_only_where_the_site_supports_them(
    connect, sim_site: SimulatedSite
) -> None:
    sim_site.supports_return_scheduled_pmr = False
    listing = await connect().list_sessions(**window(sim_site.clock))
    assert not any(s.is_scheduled_pmr for s in listing.sessions)
    lists = [r for r in sim_site.requests if "LstsummarySession" in r.operation_names]
    assert lists and all(b"returnScheduledPMR" not in r.raw for r in lists)


async def test_session_infos_batch_across_the_cap(connect, sim_site: SimulatedSite) -> None:
    sim_site.body_content_limit = 3
    keys = [m.key for m in sim_site.meetings()]
    refs = [SessionRef.by_key(k) for k in keys] + [SessionRef.by_key("999999999")]
    refs.insert(2, SessionRef.by_uuid(sim_site.meetings()[0].uuid))
    sim_site.start(keys[1])
    client = connect(body_content_batch=50)
    results = await client.get_session_infos(refs)
    assert client.body_content_limit == 3
    sizes = [
        r.body_content_count for r in sim_site.requests if "GetSessionInfo" in r.operation_names
    ]
    assert sizes[0] == len(refs) and all(size <= 3 for size in sizes[1:])
    assert sum(sizes[1:]) == len(refs)
    assert len(results) == len(refs)
    assert isinstance(results[-1], NotFoundError)
    for ref, result in zip(refs[:-1], results[:-1], strict=True):
        assert isinstance(result, SessionInfo)
        if ref.key is not None:
            assert result.session_key == ref.key
        else:
            assert result.meeting_uuid == ref.uuid
    started = results[1]
    assert isinstance(started, SessionInfo) and started.status is SessionStatus.IN_PROGRESS


async def test_hourly_limit_blocks_session_info(connect, sim_site: SimulatedSite) -> None:
    sim_site.sessioninfo_hourly_limit = 2
    clock = sim_site.clock
    client = connect(clock=clock.now)
    refs = [SessionRef.by_key(m.key) for m in sim_site.meetings()[:3]]
    with pytest.raises(SessionInfoBlockedError) as caught:
        await client.get_session_infos(refs)
    assert caught.value.until == clock.now() + timedelta(hours=2)
    # Listing still works while blocked.
    assert (await client.list_sessions(**window(clock))).complete


@pytest.mark.parametrize(
    ("kind", "error_type"),
    [
        ("rate_limit", RateLimitedError),
        ("http500", WebexTransportError),
        ("malformed", WebexDecodeError),
        ("truncated", WebexDecodeError),
        ("empty", WebexDecodeError),
        ("timeout", WebexTimeoutError),
    ],
)
async def test_faults_become_typed_errors(
    connect, sim_site: SimulatedSite, kind, error_type
) -> None:
    sim_site.faults.inject("GetMeeting", kind, seconds=1.0)
    client = connect(read_timeout=0.1)
    key = sim_site.meetings()[0].key
    with pytest.raises(error_type) as caught:
        await client.get_meeting(key)
    assert "admin-pass" not in str(caught.value)
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 60
    assert (await client.get_meeting(key)).meeting_key == key  # the fault was used up


async def test_wrong_password_is_never_retried(connect, sim_site: SimulatedSite) -> None:
    client = connect(Credentials(site_name="acme", webex_id="alice", password="nope"))
    before = sim_site.request_count()
    with pytest.raises(CredentialsError) as caught:
        await client.list_open_sessions()
    assert sim_site.request_count() == before + 1
    assert "nope" not in str(caught.value)


async def test_access_token_signs_in_with_a_ticket(connect, sim_site: SimulatedSite) -> None:
    client = connect(Credentials(site_name="acme", webex_id="alice", access_token="alice-token"))
    listing = await client.list_sessions(**window(sim_site.clock), host_webex_id="alice")
    assert listing.sessions and all(s.host_webex_id == "alice" for s in listing.sessions)
    assert sim_site.request_count("AuthenticateUser") == 1


async def test_meeting_life_cycle(connect, sim_site: SimulatedSite) -> None:
    client = connect(Credentials(site_name="acme", webex_id="alice", password="alice-pass"))
    start = sim_site.clock.now() + timedelta(days=1)
    title = "Plan <&> \u4f1a\u8bae \u0421\u043e\u0432\u0435\u0442 caf\u00e9"
    created = await client.create_meeting(
        MeetingRequest(
            title=title,
            start=start,
            duration_minutes=30,
            zone=ZoneInfo("America/Los_Angeles"),
            auto_lock_minutes=10,
            external_attendee_security=ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY,
        )
    )
    assert created.password  # the site generated one
    details = await client.get_meeting(created.meeting_key)
    assert (details.title, details.start, details.duration_minutes) == (title, start, 30)
    assert details.auto_lock and details.auto_lock_minutes == 10
    assert details.external_attendee_security is ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY
    later = start + timedelta(hours=2)
    await client.update_meeting(
        created.meeting_key,
        MeetingRequest(title="Renamed", start=later, zone=ZoneInfo("Asia/Shanghai"), private=True),
    )
    view = sim_site.meeting(created.meeting_key)
    assert (view.title, view.start, view.private, view.auto_lock) == ("Renamed", later, True, False)
    await client.delete_meeting(created.meeting_key)
    with pytest.raises(NotFoundError):
        await client.get_meeting(created.meeting_key)
    with pytest.raises(NotFoundError):
        await client.delete_meeting(created.meeting_key)


async def test_start_in_the_past_is_refused(connect, sim_site: SimulatedSite) -> None:
    past = MeetingRequest(title="late", start=sim_site.clock.now() - timedelta(minutes=5))
    with pytest.raises(StartInPastError):
        await connect().create_meeting(past)


async def test_private_meeting_needs_a_capable_type(sim_clock: SimClock) -> None:
    site = SimulatedSite(site_name="plain", clock=sim_clock)
    site.add_user(
        "admin", "admin-pass", email="a@plain.example", first_name="A", last_name="B", admin=True
    )
    site.add_meeting_type(3, "PRO")
    credentials = Credentials(site_name="plain", webex_id="admin", password="admin-pass")
    async with running_site(site) as (_server, url), XmlApiClient(url, credentials) as client:
        request = MeetingRequest(
            title="secret", start=sim_clock.now() + timedelta(hours=1), private=True
        )
        with pytest.raises(PrivateMeetingUnsupportedError):
            await client.create_meeting(request)
        assert [t.id for t in await client.meeting_types()] == [3]


async def test_site_meeting_types_and_time_zones(connect, sim_site: SimulatedSite) -> None:
    client = connect()
    site = await client.site_capabilities()
    assert site.supports_return_scheduled_pmr
    types = await client.meeting_types()
    assert {(t.id, t.supports_private) for t in types} == {(3, False), (169, True)}
    assert (await client.meeting_type(169)).supports_private
    zones = await client.time_zones()
    assert {z.id for z in zones} >= set(range(62))


async def test_uninvited_callers_get_no_details(connect, sim_site: SimulatedSite) -> None:
    private = next(m for m in sim_site.meetings() if m.private)
    client = connect(Credentials(site_name="acme", webex_id="alice", password="alice-pass"))
    (info,) = await client.get_session_infos([SessionRef.by_key(private.key)])
    if isinstance(info, WebexError):
        raise info
    assert info.is_private and info.conf_name is None


# Sites trim surrounding whitespace from titles (the simulator does too), so
# the property covers titles that have none.
TITLES = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"]),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t != "")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TITLES)
async def test_any_title_survives_create_then_get(
    sim_url: str, sim_site: SimulatedSite, title: str
) -> None:
    credentials = Credentials(site_name="acme", webex_id="bob", password="bob-pass")
    async with XmlApiClient(sim_url, credentials) as client:
        start = sim_site.clock.now() + timedelta(days=2)
        created = await client.create_meeting(MeetingRequest(title=title, start=start))
        assert (await client.get_meeting(created.meeting_key)).title == title
