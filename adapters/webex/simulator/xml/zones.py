"""Webex ``timeZoneID`` numbers and ``MM/DD/YYYY HH:MM:SS`` local times.

The simulator's own conversion, read from ``adapters/webex/timezones.csv``
(timeZoneID, label, IANA zone) and ``zoneinfo``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_TIME_ZONE_ID",
    "WebexZone",
    "format_local",
    "parse_gmt",
    "parse_local",
    "zone",
    "zone_id_named",
    "zones",
]

#: GMT-08:00 Pacific (San Jose): the zone a site uses when a request names none.
DEFAULT_TIME_ZONE_ID = 4

_LOCAL = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?\s*$"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebexZone:
    id: int
    label: str
    tz: ZoneInfo


@cache
def zones() -> dict[int, WebexZone]:
    """Every zone of the CSV by ID (read once)."""
    text = resources.files("adapters.webex").joinpath("timezones.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {
        int(row["timeZoneID"]): WebexZone(
            id=int(row["timeZoneID"]), label=row["label"], tz=ZoneInfo(row["iana_zone"])
        )
        for row in rows
    }


def zone(zone_id: int) -> WebexZone:
    """The zone for an ID.

    Raises:
        KeyError: the site has no such zone.
    """
    return zones()[zone_id]


def zone_id_named(name: str) -> int:
    """The lowest timeZoneID whose IANA zone is ``name``.

    Raises:
        ValueError: no zone of the site is named so.
    """
    for zone_id, known in sorted(zones().items()):
        if known.tz.key == name:
            return zone_id
    raise ValueError(f"no timeZoneID for the zone {name!r}")


def format_local(instant: datetime, zone_id: int) -> str:
    """``MM/DD/YYYY HH:MM:SS`` of an aware instant in a Webex zone."""
    return instant.astimezone(zone(zone_id).tz).strftime("%m/%d/%Y %H:%M:%S")


def parse_local(text: str, zone_id: int) -> datetime:
    """An aware UTC instant from Webex local time in a zone.

    Accepts unpadded fields (``11/01/2019 8:0:0``) and a missing time, as
    Webex does. An ambiguous or skipped local time resolves with ``fold=0``.

    Raises:
        ValueError: the text is not a Webex date.
        KeyError: unknown zone.
    """
    return _parse(text, zone(zone_id).tz)


def parse_gmt(text: str) -> datetime:
    """An aware UTC instant from a Webex date given in GMT.

    Raises:
        ValueError: the text is not a Webex date.
    """
    return _parse(text, UTC)


def _parse(text: str, tz: tzinfo) -> datetime:
    match = _LOCAL.match(text)
    if match is None:
        raise ValueError(f"not a MM/DD/YYYY HH:MM:SS date: {text!r}")
    month, day, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    local = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    return local.astimezone(UTC)
