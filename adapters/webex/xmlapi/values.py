"""Text of Webex response elements -> Python values, shared by the response readers.

Every function tolerates absent values (None) and raises WebexDecodeError for
present but malformed ones.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from lxml import etree

from adapters.errors import WebexDecodeError
from adapters.webex.models import SessionStatus
from adapters.webex.timezones import TimeZoneTable, UnknownTimeZoneError
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
    prefixes = tuple(f"{{{ns}}}" for ns in namespaces)
    values: dict[str, str] = {}
    for child in row:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(prefixes):
            continue
        name = local_name(tag)
        if name in sections:
            for grandchild in child:
                sub = grandchild.tag
                if isinstance(sub, str) and sub.startswith(prefixes):
                    key = f"{name}.{local_name(sub)}"
                    values[key] = (grandchild.text or "") if key in raw else text_of(grandchild)
        else:
            values.setdefault(name, (child.text or "") if name in raw else text_of(child))
    return values
