"""Webex local times <-> UTC for every zone of the table, DST included."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.webex.timezones import (
    GMT_ZONE_ID,
    UnknownTimeZoneError,
    default_table,
    parse_webex_time,
)
from adapters.webex.xmlapi.models import TimeZoneInfo

TABLE = default_table()


@pytest.mark.parametrize("zone_id", range(62))
def test_every_zone_round_trips_at_noon(zone_id: int) -> None:
    # Local noon is never in a DST gap or overlap, in winter or in summer.
    for text in ("01/15/2026 12:00:00", "07/15/2026 12:00:00"):
        assert TABLE.to_webex(TABLE.to_utc(text, zone_id), zone_id) == text


@pytest.mark.parametrize(
    ("text", "zone_id", "expected"),
    [
        ("01/15/2026 09:00:00", 4, datetime(2026, 1, 15, 17, 0, tzinfo=UTC)),  # PST
        ("07/15/2026 09:00:00", 4, datetime(2026, 7, 15, 16, 0, tzinfo=UTC)),  # PDT
        ("07/15/2026 09:00:00", 21, datetime(2026, 7, 15, 8, 0, tzinfo=UTC)),  # BST
        ("01/15/2026 09:00:00", 55, datetime(2026, 1, 14, 22, 0, tzinfo=UTC)),  # AEDT
        ("10/12/2019 00:35:41", 2, datetime(2019, 10, 12, 10, 35, 41, tzinfo=UTC)),
        ("11/01/2019 8:0:0", 4, datetime(2019, 11, 1, 15, 0, tzinfo=UTC)),  # unpadded
        ("07/15/2026 09:00", 41, datetime(2026, 7, 15, 3, 30, tzinfo=UTC)),  # no seconds
    ],
)
def test_to_utc(text: str, zone_id: int, expected: datetime) -> None:
    assert TABLE.to_utc(text, zone_id) == expected


def test_to_webex_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        TABLE.to_webex(datetime(2026, 1, 1), 21)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("America/Los_Angeles", 4),
        ("Asia/Shanghai", 45),
        ("Europe/Madrid", 22),  # same offset as Amsterdam (first such id)
        ("Not/AZone", GMT_ZONE_ID),
    ],
)
def test_zone_id_for_iana(name: str, expected: int) -> None:
    assert TABLE.zone_id_for_iana(name, now=datetime(2026, 1, 15, tzinfo=UTC)) == expected


def test_zone_without_a_match_falls_back_to_gmt() -> None:
    # Chatham (UTC+12:45) matches no Webex zone.
    assert TABLE.zone_id_for_iana("Pacific/Chatham") == GMT_ZONE_ID


def test_refresh_keeps_dst_rules_and_adds_unknown_ids_with_fixed_offsets() -> None:
    table = default_table()
    table.refresh(
        [
            TimeZoneInfo(
                id=4, description="GMT-07:00, Pacific (San Francisco)", gmt_offset_minutes=-420
            ),
            TimeZoneInfo(id=62, description="GMT+05:45, Nepal (Kathmandu)", gmt_offset_minutes=345),
        ]
    )
    assert table.label(4) == "GMT-07:00, Pacific (San Francisco)"
    assert table.to_utc("01/15/2026 09:00:00", 4) == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
    assert table.to_utc("01/15/2026 09:00:00", 62) == datetime(2026, 1, 15, 3, 15, tzinfo=UTC)
    assert 62 not in default_table()  # tables are independent


def test_unknown_id_uses_its_label_offset_with_a_warning(caplog) -> None:
    table = default_table()
    with caplog.at_level(logging.WARNING, logger="meetbot.webex.timezones"):
        when = table.to_utc("01/15/2026 09:00:00", 99, label="GMT+05:30, Somewhere")
    assert when == datetime(2026, 1, 15, 3, 30, tzinfo=UTC)
    assert "99" in caplog.text
    # Learned: converting back needs no label now.
    assert table.to_webex(when, 99) == "01/15/2026 09:00:00"


def test_known_label_without_id_uses_that_zones_rules() -> None:
    label = "GMT-08:00, Pacific (San Jose)"
    assert TABLE.to_utc("07/15/2026 09:00:00", None, label=label) == datetime(
        2026, 7, 15, 16, 0, tzinfo=UTC
    )


def test_unknown_id_without_label_is_an_error() -> None:
    with pytest.raises(UnknownTimeZoneError):
        TABLE.to_utc("01/15/2026 09:00:00", 99)


@given(
    when=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone_id=st.sampled_from([0, 5, 9, 41, 45, 49]),  # zones without DST
)
def test_no_dst_zones_round_trip_any_instant(when: datetime, zone_id: int) -> None:
    when = when.replace(microsecond=0)
    assert TABLE.to_utc(TABLE.to_webex(when, zone_id), zone_id) == when


def test_dst_gap_time_still_converts() -> None:
    # 02:30 does not exist in New York on 8 March 2026; it still maps somewhere sane.
    when = TABLE.to_utc("03/08/2026 02:30:00", 11)
    assert abs(when - datetime(2026, 3, 8, 7, 30, tzinfo=UTC)) <= timedelta(hours=1)


def test_unknown_label_without_id_warns_once(caplog) -> None:
    table = default_table()
    with caplog.at_level(logging.WARNING, logger="meetbot.webex.timezones"):
        for _ in range(3):
            when = table.to_utc("07/15/2026 09:00:00", None, label="GMT-07:00, Pacific (Summer)")
    assert when == datetime(2026, 7, 15, 16, 0, tzinfo=UTC)
    assert len(caplog.records) == 1


@given(
    when=st.datetimes(
        min_value=datetime(1000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(9999, 12, 31),  # noqa: DTZ001
    )
)
def test_padded_and_unpadded_times_read_the_same(when: datetime) -> None:
    when = when.replace(microsecond=0)
    padded = when.strftime("%m/%d/%Y %H:%M:%S")
    loose = f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute}:{when.second}"
    assert parse_webex_time(padded) == parse_webex_time(loose) == when


@pytest.mark.parametrize("zone_id", [0, 4, 21])
def test_fixed_and_rule_zones_convert_like_astimezone(zone_id: int) -> None:
    text = "07/15/2026 09:00:00"
    expected = parse_webex_time(text).replace(tzinfo=TABLE.tzinfo_for(zone_id)).astimezone(UTC)
    when = TABLE.to_utc(text, zone_id)
    assert when == expected and when.tzinfo is UTC
