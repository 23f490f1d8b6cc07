"""Which Webex ``timeZoneID`` a requester's IANA zone is sent as.

The one place that knows: swap the table lookup here when the Webex client's
own table (``adapters.webex.timezones``) is available.
"""

from __future__ import annotations

import csv
from datetime import datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["LONDON_ZONE_ID", "user_zone", "webex_zone_id"]

#: "GMT+00:00, GMT (London)": the fallback when no zone of the table fits.
LONDON_ZONE_ID = 21


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[int, str], ...]:
    text = resources.files("adapters.webex").joinpath("timezones.csv").read_text(encoding="utf-8")
    return tuple(
        (int(row["timeZoneID"]), row["iana_zone"]) for row in csv.DictReader(text.splitlines())
    )


def webex_zone_id(iana: str, at: datetime) -> int:
    """The Webex zone for ``iana``: the same zone when the table has it, else a
    zone with the same UTC offset at ``at``, else London.

    The start travels as an aware datetime, so any zone converts it correctly;
    the choice only decides which clock Webex shows the meeting in.
    """
    for zone_id, name in _table():
        if name == iana:
            return zone_id
    try:
        offset = at.astimezone(ZoneInfo(iana)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return LONDON_ZONE_ID
    for zone_id, name in _table():
        if at.astimezone(ZoneInfo(name)).utcoffset() == offset:
            return zone_id
    return LONDON_ZONE_ID


def user_zone(name: str) -> ZoneInfo:
    """The zone a Slack profile names, or UTC when Slack sent none or an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
