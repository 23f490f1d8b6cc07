"""Which Webex timeZoneID a Slack user's zone is sent as, and which zone a profile names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.webex.timezones import GMT_ZONE_ID, default_table
from bot.watch.zones import user_zone

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def webex_zone_id(iana: str, at: datetime) -> int:
    return default_table().zone_id_for_iana(iana, now=at)


@pytest.mark.parametrize(
    ("iana", "zone_id"),
    [("Europe/London", 21), ("Europe/Berlin", 25), ("Pacific/Honolulu", 2), ("Asia/Shanghai", 45)],
)
def test_zones_in_the_table(iana: str, zone_id: int) -> None:
    assert webex_zone_id(iana, SUMMER) == zone_id


def test_a_zone_outside_the_table_gets_one_with_the_same_offset() -> None:
    # Oslo is not in the table; in July it is UTC+2 like Amsterdam (22).
    assert webex_zone_id("Europe/Oslo", SUMMER) == 22


@pytest.mark.parametrize("iana", ["Not/AZone", "../../etc/passwd", ""])
def test_unknown_zones_fall_back(iana: str) -> None:
    assert webex_zone_id(iana, SUMMER) == GMT_ZONE_ID
    assert user_zone(iana).key == "UTC"
