"""Text of Webex response elements -> Python values, shared by the response readers.

Every function tolerates absent values (None) and raises WebexDecodeError for
present but malformed ones.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from lxml import etree

from adapters.errors import WebexDecodeError
from adapters.webex.timezones import TimeZoneTable, UnknownTimeZoneError
from adapters.webex.xmlapi.models import SessionStatus
from adapters.webex.xmlapi.xml import local_name, text_of

__all__ = ["as_bool", "as_int", "as_opt_bool", "as_status", "as_time", "flatten"]


def as_bool(text: str | None) -> bool:
    return text is not None and text.strip().lower() == "true"


def as_opt_bool(text: str | None) -> bool | None:
    return None if text is None else as_bool(text)


def as_int(text: str | None, what: str) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError as e:
        raise WebexDecodeError(f"{what} is not a number") from e


def as_status(text: str | None) -> SessionStatus:
    if text is not None and text.strip().upper() == SessionStatus.IN_PROGRESS:
        return SessionStatus.IN_PROGRESS
    return SessionStatus.NOT_IN_PROGRESS


def as_time(
    tz: TimeZoneTable, text: str | None, zone_id: int | None, label: str | None = None
) -> datetime | None:
    if not text:
        return None
    try:
        return tz.to_utc(text, zone_id, label=label)
    except UnknownTimeZoneError as e:
        raise WebexDecodeError(str(e)) from e
    except ValueError as e:
        raise WebexDecodeError(f"not a Webex time: {text!r}") from e


# namespaces -> {tag: lower-case local name, or None outside those namespaces}.
_NAMES: dict[tuple[str, ...], dict[str, str | None]] = {}


def _names_for(namespaces: Collection[str]) -> dict[str, str | None]:
    key = tuple(namespaces)
    names = _NAMES.get(key)
    if names is None:
        names = _NAMES[key] = {}
    return names


def _name(names: dict[str, str | None], tag: object, prefixes: tuple[str, ...]) -> str | None:
    if not isinstance(tag, str):
        return None
    name = local_name(tag) if tag.startswith(prefixes) else None
    if len(names) < 1024:
        names[tag] = name
    return name


def flatten(
    row: etree._Element,
    namespaces: Collection[str],
    sections: Collection[str],
    *,
    raw: Collection[str] = (),
) -> dict[str, str]:
    """``{"name": text, "section.name": text}`` (lower-case local names) for the
    row's children and the children of its ``sections``; other depths ignored.
    Text is stripped except under the ``raw`` keys (titles)."""
    # Every GetSessionInfo item goes through here: one cached dict hit per
    # child instead of a prefix test and a name split.
    prefixes = tuple(f"{{{ns}}}" for ns in namespaces)
    names = _names_for(namespaces)
    values: dict[str, str] = {}
    for child in row:
        tag = child.tag
        name = names[tag] if tag in names else _name(names, tag, prefixes)
        if name is None:
            continue
        if name in sections:
            for grandchild in child:
                sub = grandchild.tag
                sub_name = names[sub] if sub in names else _name(names, sub, prefixes)
                if sub_name is not None:
                    key = f"{name}.{sub_name}"
                    values[key] = (grandchild.text or "") if key in raw else text_of(grandchild)
        elif name not in values:
            text = child.text or ""
            values[name] = text if name in raw else text.strip()
    return values
