"""Every seed sample the client reads parses into the right model."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    RateLimitedError,
    StartInPastError,
    WebexApiError,
    WebexError,
)
from adapters.webex.models import ExternalAttendeeSecurity
from adapters.webex.timezones import default_table
from adapters.webex.xmlapi import responses, sessions
from adapters.webex.xmlapi.envelope import split_outcomes
from adapters.webex.xmlapi.errors import TooManyBodyContentError
from adapters.webex.xmlapi.models import SessionStatus
from adapters.webex.xmlapi.xml import parse_document

FIXTURES = Path(__file__).parent / "fixtures"


def outcome(name: str):
    root = parse_document((FIXTURES / name).read_bytes())
    (only,) = split_outcomes(root, "Test")
    return only


def content(name: str):
    found = outcome(name)
    assert not isinstance(found, WebexApiError), found
    return found


def test_lstsummarysession_seed_rows_in_their_own_zone() -> None:
    page = sessions.session_page(content("lstsummarysession_seed.xml"), default_table(), None)
    assert (page.total, page.returned, page.start_from) == (1787, 2, 1)
    first, second = page.sessions
    # 00:35:41 in Hawaii (UTC-10, no DST).
    assert first.start == datetime(2019, 10, 12, 10, 35, 41, tzinfo=UTC)
    assert first.session_key == "809914325"
    assert first.meeting_uuid == "809914325"  # from <ep:MeetingUUID>
    assert first.conf_name == "Team Meeting"
    assert first.host_webex_id == "Test"
    assert first.host_email == "Test@webex.com"
    assert first.status is SessionStatus.NOT_IN_PROGRESS
    assert first.duration_minutes == 60
    assert first.time_zone_id == 2
    assert first.host_joined is False and first.participants_joined is False
    assert first.is_scheduled_pmr is True
    assert first.service_type == "MeetingCenter"
    assert second.meeting_uuid is None
    assert second.session_key == "805660167"


def test_lstsummarysession_start_follows_the_date_scope_zone() -> None:
    page = sessions.session_page(content("lstsummarysession_seed.xml"), default_table(), 0)
    # Zone 0 is GMT-12:00 all year; the row's own zone id is kept.
    assert page.sessions[0].start == datetime(2019, 10, 12, 12, 35, 41, tzinfo=UTC)
    assert page.sessions[0].time_zone_id == 2


def test_getsessioninfo_by_uuid_with_lower_case_sessionkey() -> None:
    info = sessions.session_info(content("getsessioninfo_uuid.xml"), default_table())
    assert info.session_key == "805325231"
    assert info.meeting_uuid == "039c00dd25c64ab0812dda22bb8a4fcc"
    assert info.status is SessionStatus.NOT_IN_PROGRESS
    assert info.is_locked is False


def test_getsessioninfo_private() -> None:
    info = sessions.session_info(content("getsessioninfo_private.xml"), default_table())
    assert info.is_private is True
    assert info.is_personal_room is False


def test_getsessioninfo_uninvited_has_no_schedule() -> None:
    info = sessions.session_info(content("getsessioninfo_uninvited.xml"), default_table())
    assert info.session_key == "1####2###4"
    assert (info.conf_name, info.start, info.duration_minutes, info.meeting_link) == (
        None,
        None,
        None,
        None,
    )


def test_getsessioninfo_in_progress_presence() -> None:
    info = sessions.session_info(content("getsessioninfo_inprogress.xml"), default_table())
    assert info.status is SessionStatus.IN_PROGRESS
    assert info.has_host_in_meeting and info.has_attendee_in_meeting


def test_createmeeting_generated_password() -> None:
    created = responses.created_meeting(
        content("createmeeting_generated_password.xml"), password=None
    )
    assert created.meeting_key == "806745263"
    assert created.password == "UzXJuzUD428"
    assert created.host_url is not None and created.host_url.endswith("ebd0640")
    assert created.attendee_url is not None and created.attendee_url.endswith("92e15")
    assert created.guest_token == "cfc7f3246d4862f1bb69b803e8615b7a"
    assert "UzXJuzUD428" not in repr(created)


def test_getmeeting_autolock_iso_8859_1_with_character_references() -> None:
    details = responses.meeting_details(content("getmeeting_autolock.xml"), default_table())
    assert details.title == "Café 会议 <&>"
    assert details.auto_lock is True and details.auto_lock_minutes == 10
    assert details.external_attendee_security is ExternalAttendeeSecurity.ALLOW_JOIN
    assert details.start == datetime(2020, 10, 25, 5, 0, tzinfo=UTC)
    assert (details.duration_minutes, details.zone, details.host) == (
        45,
        ZoneInfo("Asia/Shanghai"),
        "Test",
    )


def test_getmeeting_audio_password_sample() -> None:
    details = responses.meeting_details(content("getmeeting_audiopassword.xml"), default_table())
    assert details.meeting_key == "803328224"
    assert details.password == "PkzC8tP7kM5"
    # 02:30 on 8 March 2020 does not exist in New York; zoneinfo reads it as EST.
    assert details.start == datetime(2020, 3, 8, 7, 30, tzinfo=UTC)
    assert details.auto_lock is False and details.auto_lock_minutes is None


def test_getsite_pmr_switch() -> None:
    site = responses.site_capabilities(content("getsite_pmr.xml"))
    assert site.supports_return_scheduled_pmr is True


def test_getsite_templates_and_types() -> None:
    site = responses.site_capabilities(content("getsite_templates.xml"))
    assert site.site_name == "sitename"
    assert site.supports_return_scheduled_pmr is False
    assert [(t.id, t.name) for t in site.meeting_types] == [(3, "PRO")]
    assert [(t.name, t.service_type) for t in site.templates] == [
        ("MC Meeting Tempalte 1", "MeetingCenter"),
        ("EC Meeting Tempalte 2", "EventCenter"),
        ("TC Meeting Template 3", "TrainingCenter"),
    ]


def test_lstmeetingtype_private_support() -> None:
    types = responses.meeting_types(content("lstmeetingtype_private.xml"))
    assert [(t.id, t.name, t.supports_private) for t in types] == [
        (3, "Pro Meeting", False),
        (169, "Private Meeting", True),
    ]


def test_lsttimezone_rows() -> None:
    rows = responses.time_zones(content("lsttimezone_site.xml"))
    assert [(r.id, r.gmt_offset_minutes, r.fall_in_dst) for r in rows] == [
        (4, -420, True),
        (62, 345, False),
    ]


def test_lstopensession_grouped_by_service() -> None:
    found = sessions.open_sessions(content("lstopensession_two.xml"), default_table())
    assert [(s.session_key, s.service_type) for s in found] == [
        ("805660167", "MeetingCenter"),
        ("716773566", "TrainingCenter"),
    ]
    assert found[0].actual_start == datetime(2020, 7, 1, 13, 2, 10, tzinfo=UTC)
    assert found[1].start == datetime(2020, 7, 1, 7, 0, tzinfo=UTC)


def test_authenticateuser_ticket() -> None:
    assert responses.session_ticket(content("authenticateuser_ticket.xml")) == (
        "AAABnTicket0123456789"
    )


@pytest.mark.parametrize(
    ("name", "error_type", "exception_id"),
    [
        ("failure_000015.xml", NotFoundError, "000015"),
        ("failure_060001.xml", NotFoundError, "060001"),
        ("failure_060016.xml", StartInPastError, "060016"),
        ("failure_000045.xml", RateLimitedError, "000045"),
        ("failure_030002.xml", CredentialsError, "030002"),
        ("failure_000001.xml", AccessDeniedError, "000001"),
        ("failure_000053.xml", TooManyBodyContentError, "000053"),
        ("failure_040014.xml", WebexApiError, "040014"),
    ],
)
def test_failures_become_typed_errors(
    name: str, error_type: type[WebexError], exception_id: str
) -> None:
    error = outcome(name)
    assert type(error) is error_type
    assert error.detail == exception_id
    assert error.operation == "Test"


def test_failure_details() -> None:
    missing = outcome("failure_040014.xml")
    assert isinstance(missing, WebexApiError)
    assert missing.value == "title,company"
    assert "Missing required fields" in str(missing)
    too_many = outcome("failure_000053.xml")
    assert isinstance(too_many, TooManyBodyContentError) and too_many.limit == 10
    limited = outcome("failure_000045.xml")
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 60


NAMES = st.from_regex(r"[a-zA-Z][a-zA-Z0-9]{0,15}", fullmatch=True)


@settings(max_examples=50, deadline=None)
@given(
    extra=st.lists(st.tuples(NAMES, st.text(max_size=20)), max_size=5),
    upper=st.booleans(),
)
def test_unknown_elements_and_case_variants_do_not_change_rows(
    extra: list[tuple[str, str]], upper: bool
) -> None:
    known = {"session", "sessionkey", "meetinguuid", "confname", "hostwebexid", "hostemail",
             "status", "starttime", "duration", "timezoneid", "timezone", "hostjoined",
             "participantsjoined", "isprivatemeeting", "isscheduledpmr", "servicetype",
             "matchingrecords"}  # fmt: skip
    root = parse_document((FIXTURES / "lstsummarysession_seed.xml").read_bytes())
    (before,) = split_outcomes(root, "T")
    assert not isinstance(before, WebexError)
    expected = sessions.session_page(before, default_table(), None).sessions
    for row in root.iter("{http://www.webex.com/schemas/2002/06/service/ep}session"):
        for name, text in extra:
            if name.lower() in known:
                continue
            element = etree.SubElement(
                row, f"{{http://www.webex.com/schemas/2002/06/service/ep}}{name}"
            )
            element.text = "".join(c for c in text if c.isprintable())
        if upper:
            for child in row:
                namespace, _, local = child.tag.rpartition("}")
                child.tag = f"{namespace}}}{local.upper()}"
    (after,) = split_outcomes(root, "T")
    assert not isinstance(after, WebexError)
    assert sessions.session_page(after, default_table(), None).sessions == expected
