"""REST answers as values: times, the 1970 "not yet" time, missing fields,
admin roles (pure, table-driven), and what the client package exports."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.errors import WebexDecodeError
from adapters.webex.rest import client
from adapters.webex.rest.client.models import (
    parse_meeting,
    parse_participant,
    parse_person,
    parse_time,
    parse_webhook,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-05-14T20:25:19Z", datetime(2021, 5, 14, 20, 25, 19, tzinfo=UTC)),
        ("2015-10-18T14:26:16+00:00", datetime(2015, 10, 18, 14, 26, 16, tzinfo=UTC)),
        ("2026-01-05T11:00:00+01:00", datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
        ("2021-05-14T20:20:01.024Z", datetime(2021, 5, 14, 20, 20, 1, 24000, tzinfo=UTC)),
        ("2026-01-05T10:00:00", datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
        ("1970-01-01T00:00:00.000Z", None),
        ("", None),
        (None, None),
    ],
)
def test_times_become_aware_utc(value: Any, expected: datetime | None) -> None:
    parsed = parse_time(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0) and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["yesterday", 17, ["2021-05-14T20:25:19Z"]])
def test_an_unreadable_time_is_a_decode_error(value: Any) -> None:
    with pytest.raises(WebexDecodeError):
        parse_time(value, "start")


def test_a_listed_meeting_keeps_its_opaque_ids_and_optional_fields() -> None:
    meeting = parse_meeting(
        {
            "id": "870f51ff287b41be84648412901e0402_I_167427437874906709",
            "meetingSeriesId": "870f51ff287b41be84648412901e0402",
            "scheduledMeetingId": "870f51ff287b41be84648412901e0402_20191101T120000Z",
            "meetingType": "meeting",
            "state": "inProgress",
            "start": "2019-11-01T12:00:00+08:00",
            "hostDidJoin": True,
            "automaticLockMinutes": 10,
        }
    )
    assert meeting.series_id == "870f51ff287b41be84648412901e0402"
    assert meeting.start == datetime(2019, 11, 1, 4, 0, tzinfo=UTC)
    assert (meeting.end, meeting.title, meeting.host_did_join) == (None, None, True)
    assert meeting.automatic_lock_minutes == 10


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (parse_meeting, {"meetingType": "meeting", "state": "ended"}),
        (parse_meeting, {"id": "x", "state": "ended"}),
        (parse_meeting, ["not", "an", "object"]),
        (parse_participant, {"id": "p", "state": "joined"}),
        (parse_webhook, {"id": "w", "name": "n", "targetUrl": "u", "resource": "meetings"}),
        (parse_person, {"emails": ["a@b.c"]}),
        (parse_meeting, {"id": "x", "meetingType": "meeting", "state": "ended", "end": 5}),
    ],
)
def test_an_answer_without_what_the_value_needs_is_a_decode_error(parse: Any, body: Any) -> None:
    with pytest.raises(WebexDecodeError):
        parse(body)


def _role(name: str) -> str:
    return base64.b64encode(f"ciscospark://us/ROLE/{name}".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("roles", "admin"),
    [
        ([_role("id_full_admin")], True),
        ([_role("id_readonly_admin"), _role("id_full_admin")], True),
        ([_role("id_readonly_admin")], False),
        ([], False),
        (["%%%not-base64"], False),
        (None, False),
    ],
)
def test_a_full_admin_is_told_by_its_role(roles: Any, admin: bool) -> None:
    person = parse_person({"id": "p", "emails": ["a@acme.example"], "roles": roles})
    assert person.is_full_admin is admin
    assert person.email == "a@acme.example"


def test_a_participant_left_time_of_1970_means_not_yet() -> None:
    person = parse_participant(
        {
            "id": "p",
            "meetingId": "m_I_1",
            "state": "joined",
            "host": True,
            "joinedTime": "2026-01-05T09:00:00+00:00",
            "leftTime": "1970-01-01T00:00:00.000Z",
        }
    )
    assert person.host and person.left_time is None
    assert person.joined_time == datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_the_client_package_exports_what_it_documents() -> None:
    assert sorted(client.__all__) == [
        "DEFAULT_BASE_URL",
        "JOIN_SECURITY",
        "Listing",
        "MeetingFields",
        "OAuthClient",
        "RateGate",
        "RestClient",
        "RestMeeting",
        "RestParticipant",
        "RestPerson",
        "RestSettings",
        "RestWebhook",
        "TokenHook",
        "Tokens",
    ]
    for name in client.__all__:
        assert hasattr(client, name), name
