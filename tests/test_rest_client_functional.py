"""The REST client against the REST simulator over loopback: paging, typed
errors, the shared 429 gate, and listings cut short."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.errors import (
    RestAccessDeniedError,
    RestApiError,
    RestCredentialsError,
    RestNotFoundError,
    RestRateLimitedError,
    WebexTimeoutError,
    WebexTransportError,
)
from adapters.webex.rest.client import MeetingFields, Tokens
from tests.restclient import HeldGate, SkippingGate, client_on, paths
from tests.restsim import ADMIN, ALICE, START, new_site, schedule


async def test_a_listing_follows_every_page_to_the_end() -> None:
    site = new_site()
    made = {schedule(site, ADMIN, minutes_ahead=10 + i, title=f"m{i}").id for i in range(250)}
    async with client_on(site) as webex:
        listing = await webex.list_meetings(max_per_page=100)
    assert listing.complete and listing.error is None
    assert listing.pages == 3
    assert [m.id for m in listing.items if m.id in made] == [m.id for m in listing.items]
    assert {m.id for m in listing.items} == made
    assert paths(site) == ["GET /v1/meetings"] * 3
    first = site.calls[0].query
    assert "max=100" in first
    assert all("cursor=" in call.query for call in site.calls[1:])


async def test_the_listing_sends_its_filters() -> None:
    site = new_site()
    schedule(site, ALICE)
    async with client_on(site) as webex:
        listing = await webex.list_meetings(
            meeting_type="scheduledMeeting",
            state="ready",
            from_=START,
            to=START + timedelta(days=1),
            host_email=ALICE,
            site_url="acme.webex.com",
        )
    assert [m.host_email for m in listing.items] == [ALICE]
    assert listing.items[0].meeting_type == "scheduledMeeting"
    query = site.calls[0].query
    for part in (
        "meetingType=scheduledMeeting",
        "state=ready",
        "from=2026-01-05T09:00:00Z",
        "to=2026-01-06T09:00:00Z",
        "hostEmail=alice@acme.example",
        "siteUrl=acme.webex.com",
    ):
        assert part in query, query


async def test_a_listing_cut_short_by_a_later_page_is_not_complete() -> None:
    site = new_site()
    for i in range(25):
        schedule(site, ADMIN, minutes_ahead=10 + i)
    # The first page is answered normally; the second fails.
    site.faults.inject("latency", path="/v1/meetings", seconds=0)
    site.faults.inject("http503", path="/v1/meetings")
    async with client_on(site) as webex:
        listing = await webex.list_meetings(max_per_page=10)
    assert not listing.complete
    assert isinstance(listing.error, WebexTransportError)
    assert listing.pages == 1
    assert len(listing.items) == 10


async def test_a_failing_first_page_raises() -> None:
    site = new_site()
    site.faults.inject("http500", path="/v1/meetings")
    async with client_on(site) as webex:
        with pytest.raises(WebexTransportError) as caught:
            await webex.list_meetings()
    assert caught.value.retryable


async def test_an_unknown_meeting_is_not_found() -> None:
    site = new_site()
    async with client_on(site) as webex:
        with pytest.raises(RestNotFoundError) as caught:
            await webex.get_meeting("0123456789abcdef0123456789abcdef")
    error = caught.value
    assert error.status == 404 and error.tracking_id
    assert "0123456789abcdef0123456789abcdef" in str(error)


async def test_a_missing_scope_is_named() -> None:
    site = new_site()
    site.tokens.add("narrow", ALICE, scopes=frozenset({"meeting:schedules_read"}))
    series = schedule(site, ALICE, minutes_ahead=5)
    site.host_joins(series.id)
    async with client_on(site, tokens=Tokens(access_token="narrow")) as webex:
        with pytest.raises(RestAccessDeniedError) as caught:
            await webex.list_participants(series.id)
    assert caught.value.scope == "meeting:participants_read"
    assert "meeting:participants_read" in str(caught.value)


async def test_a_refused_body_is_an_api_error_with_message_and_tracking_id() -> None:
    site = new_site()
    past = MeetingFields(title="Late", start=START - timedelta(hours=1), end=START)
    async with client_on(site) as webex:
        with pytest.raises(RestApiError) as caught:
            await webex.create_meeting(past)
    error = caught.value
    assert type(error) is RestApiError
    assert error.status == 400
    assert error.message == "The input parameters contain invalid items."
    assert "Parameter 'start' or 'end' is before current time." in error.descriptions
    assert error.tracking_id == site_tracking_id(error)
    assert not error.retryable


def site_tracking_id(error: RestApiError) -> str:
    # Cisco's form: 32 upper-case hex digits, "_", epoch milliseconds.
    head, _, tail = error.tracking_id.partition("_")
    assert len(head) == 32 and tail.isdigit()
    return error.tracking_id


async def test_a_refused_token_without_renewal_is_final_and_not_repeated() -> None:
    site = new_site()
    async with client_on(site, tokens=Tokens(access_token="not-a-token")) as webex:
        with pytest.raises(RestCredentialsError) as caught:
            await webex.list_meetings()
    assert "not-a-token" not in str(caught.value)
    assert paths(site) == ["GET /v1/meetings"]


async def test_5xx_and_timeouts_are_retryable_transport_errors() -> None:
    site = new_site()
    site.faults.inject("http502", path="/v1/webhooks")
    site.faults.inject("timeout", path="/v1/webhooks", seconds=2)
    async with client_on(site, total_timeout=0.3) as webex:
        with pytest.raises(WebexTransportError) as bad_gateway:
            await webex.list_webhooks()
        with pytest.raises(WebexTimeoutError) as timed_out:
            await webex.list_webhooks()
        assert (await webex.list_webhooks()).complete
    assert bad_gateway.value.retryable and timed_out.value.retryable
    assert "502" in str(bad_gateway.value)


async def test_a_429_holds_every_call_of_the_client_until_retry_after() -> None:
    site = new_site()
    site.faults.inject("http429", path="/v1/meetings", retry_after=7)
    gate = HeldGate()
    async with client_on(site, gate=gate) as webex:
        meetings = asyncio.create_task(webex.list_meetings())
        await gate.held(1)
        webhooks = asyncio.create_task(webex.list_webhooks())
        await gate.held(2)
        # Both calls are held: the site has seen only the refused one.
        assert paths(site) == ["GET /v1/meetings"]
        gate.release()
        assert (await meetings).complete and (await webhooks).complete
    assert gate.waits == [7.0, 7.0]
    assert sorted(paths(site)[1:]) == ["GET /v1/meetings", "GET /v1/webhooks"]


async def test_429_is_retried_a_bounded_number_of_times() -> None:
    site = new_site()
    site.faults.inject("http429", path="/v1/meetings", retry_after=2, times=5)
    gate = SkippingGate()
    async with client_on(site, gate=gate, rate_limit_retries=2) as webex:
        with pytest.raises(RestRateLimitedError) as caught:
            await webex.list_meetings()
    assert caught.value.retry_after == 2.0 and caught.value.retryable
    assert paths(site) == ["GET /v1/meetings"] * 3
    assert gate.waits == [2.0, 2.0]


async def test_a_wait_longer_than_allowed_fails_every_call_at_once() -> None:
    site = new_site()
    site.faults.inject("http429", path="/v1/meetings", retry_after=3600)
    gate = SkippingGate()
    async with client_on(site, gate=gate, longest_rate_wait=60) as webex:
        with pytest.raises(RestRateLimitedError) as first:
            await webex.list_meetings()
        with pytest.raises(RestRateLimitedError) as other:
            await webex.list_webhooks()
    assert first.value.retry_after == 3600.0
    assert other.value.retry_after == 3600.0
    assert gate.waits == []
    assert paths(site) == ["GET /v1/meetings"]


async def test_the_token_is_sent_as_bearer_and_never_in_an_error() -> None:
    site = new_site()
    site.tokens.add("token-4f1c9a", ADMIN, admin=True)
    site.faults.inject("http500")
    async with client_on(site, tokens=Tokens(access_token="token-4f1c9a")) as webex:
        with pytest.raises(WebexTransportError) as failed:
            await webex.get_meeting("abc")
        with pytest.raises(RestNotFoundError) as missing:
            await webex.get_meeting("abc")
    assert [c.authorization for c in site.calls] == ["Bearer token-4f1c9a"] * 2
    assert "token-4f1c9a" not in str(failed.value) + str(missing.value)
