"""Which Webex ``timeZoneID`` a requester's IANA zone is sent as, and which zone a
Slack profile names."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.webex.timezones import GMT_ZONE_ID, TimeZoneTable, default_table

__all__ = ["GMT_ZONE_ID", "user_zone", "webex_zone_id"]


@lru_cache(maxsize=1)
def _table() -> TimeZoneTable:
    # The bundled table; read-only here, so one shared instance is enough.
    return default_table()


def webex_zone_id(iana: str, at: datetime) -> int:
    """The Webex zone for ``iana``: the same zone when the table has it, else one
    with the same UTC offset at ``at``, else GMT.

    The start travels as an aware datetime, so any zone converts it correctly;
    the choice only decides which clock Webex shows the meeting in.
    """
    return _table().zone_id_for_iana(iana, now=at)


def user_zone(name: str | None) -> ZoneInfo:
    """The zone a Slack profile names, or UTC when Slack sent none or an unknown one."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
