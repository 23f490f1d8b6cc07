"""Which zone a Slack profile names. (Which Webex ``timeZoneID`` a zone is sent as
is the XML client's business: see ``TimeZoneTable.zone_id_for_iana``.)"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["user_zone"]


def user_zone(name: str | None) -> ZoneInfo:
    """The zone a Slack profile names, or UTC when Slack sent none or an unknown one."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
