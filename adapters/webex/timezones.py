"""Webex ``timeZoneID`` values <-> IANA rules, and Webex local time strings <-> UTC.

Webex writes times as ``MM/DD/YYYY HH:MM:SS`` in the zone named by a numeric
``timeZoneID``. Ids 0-61 (the schema's ``timeZoneType`` order) map to IANA zones
in ``timezones.csv`` and convert DST-correctly through :mod:`zoneinfo`. Sites
may know more ids: :meth:`TimeZoneTable.refresh` adds them from LstTimeZone
answers with the fixed offset the site reported, and an id nobody told us about
falls back to the offset in its label ("GMT+05:30, India (Bombay)"), with a
warning, because a wrong hour is better than a lost meeting.

A table is mutable only through :meth:`refresh` and :meth:`to_utc` learning an
unknown id from its label; it is meant to be used from one event loop.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.webex.xmlapi.models import GMT_ZONE_ID, TimeZoneInfo
from state.clock import utc_now

__all__ = ["GMT_ZONE_ID", "TimeZoneTable", "UnknownTimeZoneError", "default_table", "iana_name"]

logger = logging.getLogger("meetbot.webex.timezones")

_LABEL_OFFSET = re.compile(r"GMT\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
_WEBEX_FORMAT = "%m/%d/%Y %H:%M:%S"


class UnknownTimeZoneError(ValueError):
    """A timeZoneID the table does not know, with no label to read an offset from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Zone:
    label: str
    tz: tzinfo
    iana: str | None = None


def _offset_from_label(label: str) -> timedelta | None:
    match = _LABEL_OFFSET.search(label)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    return sign * timedelta(minutes=minutes)


def _fixed(minutes: int) -> tzinfo:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def parse_webex_time(text: str) -> datetime:
    """``MM/DD/YYYY HH:MM[:SS]`` (fields may be unpadded) -> naive datetime.

    Raises:
        ValueError: the text is not a Webex date.
    """
    # Every row of every listing carries one: the padded form Webex sends is
    # read by slicing, anything else by the general split below.
    if (
        len(text) == 19
        and text[2] == "/"
        and text[5] == "/"
        and text[10] == " "
        and text[13] == ":"
        and text[16] == ":"
    ):
        return datetime(  # noqa: DTZ001 - a wall-clock time; its zone is applied by the caller
            int(text[6:10]),
            int(text[0:2]),
            int(text[3:5]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
        )
    date_part, _, time_part = text.strip().partition(" ")
    month, day, year = date_part.split("/")
    clock = time_part.split(":") if time_part else ["0", "0"]
    if not 2 <= len(clock) <= 3:
        raise ValueError(f"not a Webex time: {text!r}")
    second = int(clock[2]) if len(clock) == 3 else 0
    return datetime(int(year), int(month), int(day), int(clock[0]), int(clock[1]), second)  # noqa: DTZ001 - a wall-clock time; its zone is applied by the caller


# IANA names whose rules are one fixed offset for all time.
_FIXED_IANA = re.compile(r"(Etc/.*|UTC|GMT)")


def _fixed_offset(tz: tzinfo) -> timedelta | None:
    """The zone's offset when it never changes, else None."""
    if isinstance(tz, timezone):
        return tz.utcoffset(None)
    if isinstance(tz, ZoneInfo) and _FIXED_IANA.fullmatch(tz.key):
        return tz.utcoffset(datetime(2000, 1, 1))  # noqa: DTZ001 - any instant; the offset is fixed
    return None


class TimeZoneTable:
    """Every Webex zone the bot knows, keyed by ``timeZoneID``."""

    def __init__(self, zones: dict[int, _Zone]) -> None:
        self._zones = dict(zones)
        self._by_label = {zone.label: zone_id for zone_id, zone in zones.items()}
        self._label_offsets: dict[str, tzinfo] = {}
        self._fixed_offsets: dict[tzinfo, timedelta | None] = {}
        self._revision = 0

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str, str]]) -> TimeZoneTable:
        """Build from ``(timeZoneID, label, IANA name)`` rows.

        Raises:
            ZoneInfoNotFoundError: an IANA name this system's tz database lacks.
        """
        return cls(
            {zid: _Zone(label=label, tz=ZoneInfo(iana), iana=iana) for zid, label, iana in rows}
        )

    @property
    def revision(self) -> int:
        """Grows whenever an id or label is added or changed: results derived
        from the table (converted times) are stale once it moves."""
        return self._revision

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._zones

    def label(self, zone_id: int) -> str | None:
        zone = self._zones.get(zone_id)
        return None if zone is None else zone.label

    def iana_zone(self, zone_id: int | None) -> ZoneInfo | None:
        """The IANA zone of ``zone_id``, or None for an unknown id or a zone only
        known by its fixed offset."""
        zone = self._zones.get(zone_id) if zone_id is not None else None
        if zone is None or zone.iana is None:
            return None
        return ZoneInfo(zone.iana)

    def zone_id_for_label(self, label: str) -> int | None:
        """The id whose label is exactly ``label`` (GetSessionInfo sends only the label)."""
        return self._by_label.get(label.strip())

    def tzinfo_for(self, zone_id: int | None, *, label: str | None = None) -> tzinfo:
        """The rules of ``zone_id``; an unknown id is learned from ``label``'s offset.

        Raises:
            UnknownTimeZoneError: neither the id nor the label says which zone.
        """
        if zone_id is not None:
            zone = self._zones.get(zone_id)
            if zone is not None:
                return zone.tz
        if label:
            by_label = self._by_label.get(label.strip())
            if by_label is not None:
                return self._zones[by_label].tz
            learned = self._label_offsets.get(label)
            if learned is not None:
                return learned
            offset = _offset_from_label(label)
            if offset is not None:
                logger.warning(
                    "unknown Webex timeZoneID %s; using the fixed offset of its label %r",
                    zone_id,
                    label,
                )
                tz = _fixed(int(offset.total_seconds()) // 60)
                if zone_id is not None:
                    self._add(zone_id, _Zone(label=label.strip(), tz=tz))
                else:
                    self._label_offsets[label] = tz  # warn once per label, not per row
                return tz
        raise UnknownTimeZoneError(f"unknown Webex timeZoneID {zone_id}")

    def to_utc(self, text: str, zone_id: int | None, *, label: str | None = None) -> datetime:
        """A Webex local time in ``zone_id`` -> aware UTC datetime.

        Raises:
            ValueError: the text is not a Webex time.
            UnknownTimeZoneError: see :meth:`tzinfo_for`.
        """
        local = parse_webex_time(text)
        tz = self.tzinfo_for(zone_id, label=label)
        try:
            offset = self._fixed_offsets[tz]
        except KeyError:
            offset = self._fixed_offsets[tz] = _fixed_offset(tz)
        if offset is not None:
            # Fixed zones (dateScope's zone 0 is one) need no rule lookup per row.
            return local.replace(tzinfo=UTC) - offset
        return local.replace(tzinfo=tz).astimezone(UTC)

    def to_webex(self, when: datetime, zone_id: int) -> str:
        """An aware datetime -> ``MM/DD/YYYY HH:MM:SS`` in ``zone_id``.

        Raises:
            ValueError: ``when`` is naive.
            UnknownTimeZoneError: the id is unknown.
        """
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError("to_webex needs a timezone-aware datetime")
        return when.astimezone(self.tzinfo_for(zone_id)).strftime(_WEBEX_FORMAT)

    def zone_id_for_iana(self, name: str, *, now: datetime | None = None) -> int:
        """The id for an IANA zone: an exact match, else a zone with the same UTC offset
        at ``now`` (default: the current time), preferring one that also agrees half
        a year later, else :data:`GMT_ZONE_ID`."""
        for zone_id, zone in sorted(self._zones.items()):
            if zone.iana == name:
                return zone_id
        try:
            wanted = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return GMT_ZONE_ID
        at = now if now is not None else utc_now()
        # Prefer a zone that also agrees half a year later (same DST habits), so
        # Madrid maps to Amsterdam rather than to Casablanca.
        instants = (at, at + timedelta(days=182))
        for probe in (instants, instants[:1]):
            wanted_offsets = [t.astimezone(wanted).utcoffset() for t in probe]
            for zone_id, zone in sorted(self._zones.items()):
                if [t.astimezone(zone.tz).utcoffset() for t in probe] == wanted_offsets:
                    return zone_id
        return GMT_ZONE_ID

    def refresh(self, rows: Iterable[TimeZoneInfo]) -> None:
        """Take in LstTimeZone answers.

        Ids already mapped to IANA rules keep them (they follow DST, a single
        answered offset does not); their labels are updated. Ids new to the table
        get the fixed offset the site reported.
        """
        for row in rows:
            known = self._zones.get(row.id)
            if known is not None and known.iana is not None:
                self._add(row.id, _Zone(label=row.description, tz=known.tz, iana=known.iana))
            else:
                self._add(row.id, _Zone(label=row.description, tz=_fixed(row.gmt_offset_minutes)))

    def _add(self, zone_id: int, zone: _Zone) -> None:
        if self._zones.get(zone_id) == zone and self._by_label.get(zone.label) == zone_id:
            return
        self._zones[zone_id] = zone
        self._by_label[zone.label] = zone_id
        self._revision += 1


def _read_csv() -> list[tuple[int, str, str]]:
    text = resources.files("adapters.webex").joinpath("timezones.csv").read_text("utf-8")
    return [
        (int(r["timeZoneID"]), r["label"], r["iana_zone"])
        for r in csv.DictReader(text.splitlines())
    ]


@cache
def _default_rows() -> tuple[tuple[int, str, str], ...]:
    return tuple(_read_csv())


def default_table() -> TimeZoneTable:
    """A fresh table from the bundled ``timezones.csv`` (ids 0-61).

    Each call returns a new table, so one site's :meth:`TimeZoneTable.refresh`
    does not leak into another's.
    """
    return TimeZoneTable.from_rows(_default_rows())


@cache
def _iana_names() -> Mapping[int, str]:
    return {zone_id: iana for zone_id, _, iana in _default_rows()}


def iana_name(zone_id: int | None) -> str | None:
    """The IANA name of ``zone_id`` in the bundled table (ids 0-61); None for None
    or any other id. A site's own table names no more zones than this: the ids
    it learns from LstTimeZone are known by a fixed offset only (see
    :meth:`TimeZoneTable.refresh`), so this is how the XML edge names a zone to
    the core."""
    return None if zone_id is None else _iana_names().get(zone_id)
