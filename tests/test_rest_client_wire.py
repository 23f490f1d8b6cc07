"""Reading REST answers: Cisco error bodies, the typed error of each status,
Retry-After and Link headers (pure, table-driven)."""

from __future__ import annotations

import json

import pytest

from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    RateLimitedError,
    RestAccessDeniedError,
    RestApiError,
    RestCredentialsError,
    RestNotFoundError,
    RestRateLimitedError,
    WebexTransportError,
)
from adapters.webex.rest.client.wire import (
    DEFAULT_RETRY_AFTER,
    ErrorBody,
    error_for,
    missing_scope,
    next_link,
    parse_error_body,
    retry_after_seconds,
)

CISCO_403 = {
    "message": "The server understood the request, but refused to fulfill it because the "
    "access token is missing required scopes or the user is missing required roles or licenses.",
    "errors": [{"description": "Missing required scope: meeting:admin_schedule_read"}],
    "trackingId": "19085D1FCFEE445DA358375500D25E44_1598154356721",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (json.dumps(CISCO_403).encode(), ErrorBody(
            message=CISCO_403["message"],  # type: ignore[arg-type]
            descriptions=("Missing required scope: meeting:admin_schedule_read",),
            tracking_id="19085D1FCFEE445DA358375500D25E44_1598154356721",
        )),
        (b'{"message": "User is already a meeting invitee.", "trackingId": "NA_1"}',
         ErrorBody(message="User is already a meeting invitee.", tracking_id="NA_1")),
        (b"<html><body>Too Many Requests</body></html>", ErrorBody()),
        (b"", ErrorBody()),
        (b"[1, 2]", ErrorBody()),
        (b'{"message": 5, "errors": [7, {"description": ""}], "trackingId": null}', ErrorBody()),
    ],
)  # fmt: skip
def test_error_bodies_are_read_as_far_as_they_go(raw: bytes, expected: ErrorBody) -> None:
    assert parse_error_body(raw) == expected


@pytest.mark.parametrize(
    ("body", "scope"),
    [
        (ErrorBody(descriptions=("Missing required scope: meeting:participants_read",)),
         "meeting:participants_read"),
        (ErrorBody(message="needs spark:all"), "spark:all"),
        (ErrorBody(message="missing required roles or licenses."), None),
    ],
)  # fmt: skip
def test_a_403_names_its_scope_where_the_body_does(body: ErrorBody, scope: str | None) -> None:
    assert missing_scope(body) == scope


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        (400, (RestApiError,)),
        (401, (RestCredentialsError, CredentialsError)),
        (403, (RestAccessDeniedError, AccessDeniedError)),
        (404, (RestNotFoundError, NotFoundError)),
        (409, (RestApiError,)),
        (429, (RestRateLimitedError, RateLimitedError)),
        (500, (WebexTransportError,)),
        (502, (WebexTransportError,)),
        (503, (WebexTransportError,)),
        (504, (WebexTransportError,)),
    ],
)
def test_each_status_has_its_error_type(status: int, kinds: tuple[type, ...]) -> None:
    error = error_for(status, json.dumps(CISCO_403).encode(), operation="GET meetings")
    for kind in kinds:
        assert isinstance(error, kind)
    assert error.retryable == (status >= 429)
    assert str(error).startswith("GET meetings: ")


def test_an_api_error_carries_message_descriptions_and_tracking_id() -> None:
    error = error_for(403, json.dumps(CISCO_403).encode())
    assert isinstance(error, RestAccessDeniedError)
    assert error.status == 403
    assert error.scope == "meeting:admin_schedule_read"
    assert error.message == CISCO_403["message"]
    assert error.tracking_id == CISCO_403["trackingId"]
    assert "meeting:admin_schedule_read" in str(error)
    assert CISCO_403["trackingId"] in str(error)


def test_the_tracking_header_stands_in_for_a_body_without_one() -> None:
    error = error_for(409, b'{"message": "Conflict here"}', tracking_header="ROUTER_9")
    assert isinstance(error, RestApiError)
    assert (error.status, error.message, error.tracking_id) == (409, "Conflict here", "ROUTER_9")


def test_a_429_error_keeps_the_wait() -> None:
    error = error_for(429, b"<html/>", retry_after=30.0)
    assert isinstance(error, RestRateLimitedError)
    assert error.retry_after == 30.0
    assert error.message == "Too Many Requests"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 3600 ", 3600.0),
        ("0", 1.0),
        ("2.5", 2.5),
        (None, DEFAULT_RETRY_AFTER),
        ("", DEFAULT_RETRY_AFTER),
        ("soon", DEFAULT_RETRY_AFTER),
        ("nan", DEFAULT_RETRY_AFTER),
        ("Wed, 21 Oct 2026 07:28:00 GMT", DEFAULT_RETRY_AFTER),
    ],
)
def test_retry_after_is_seconds_with_a_default_and_a_floor(
    value: str | None, seconds: float
) -> None:
    assert retry_after_seconds(value) == seconds


@pytest.mark.parametrize(
    ("header", "url"),
    [
        ('<https://webexapis.com/v1/meetings?max=10&cursor=MTA>; rel="next"',
         "https://webexapis.com/v1/meetings?max=10&cursor=MTA"),
        ('<https://w/v1/people?a=1>; rel="first", <https://w/v1/people?a=2>; rel="next"',
         "https://w/v1/people?a=2"),
        ("<https://w/v1/x?p=3>; rel=next", "https://w/v1/x?p=3"),
        ('<https://w/v1/x?p=1>; rel="prev"', None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)  # fmt: skip
def test_only_the_next_link_is_followed(header: str | None, url: str | None) -> None:
    assert next_link(header) == url
