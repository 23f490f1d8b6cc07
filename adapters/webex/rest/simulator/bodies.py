"""Reading and checking ``POST``/``PUT``/``PATCH /meetings`` bodies.

Rules (Cisco's Create a Meeting and "Restrictions on Updating a Meeting"):
``title`` is required on create and at most 128 characters; ``start`` and
``end`` are ISO 8601 with an offset, seconds truncated to the minute, a start
inside the current minute moves to the next minute, neither may be before
now, and the length is 10 minutes to 24 hours; ``timezone`` is an IANA name;
``unlockedMeetingJoinSecurity`` is ``allowJoin``, ``allowJoinWithLobby`` or
``blockFromJoin``. ``recurrence`` accepts ``FREQ=DAILY|WEEKLY`` with
``INTERVAL`` and ``COUNT`` (the subset this site expands into occurrences).
Every refusal is an :class:`~.errors.ApiError` 400.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ApiError

__all__ = ["OPTION_TYPES", "check_times", "occurrence_starts", "parse_time", "read_options"]

_INVALID = "The input parameters contain invalid items."
_JOIN_SECURITY = ("allowJoin", "allowJoinWithLobby", "blockFromJoin")

# Optional fields the site keeps and echoes, with the JSON type each must have.
OPTION_TYPES: dict[str, type | tuple[type, ...]] = {
    "agenda": str,
    "enabledAutoRecordMeeting": bool,
    "allowAnyUserToBeCoHost": bool,
    "enabledJoinBeforeHost": bool,
    "enableConnectAudioBeforeHost": bool,
    "joinBeforeHostMinutes": int,
    "excludePassword": bool,
    "publicMeeting": bool,
    "reminderTime": int,
    "unlockedMeetingJoinSecurity": str,
    "enableAutomaticLock": bool,
    "automaticLockMinutes": int,
    "allowFirstUserToBeCoHost": bool,
    "allowAuthenticatedDevices": bool,
}


def invalid(description: str) -> ApiError:
    return ApiError(400, _INVALID, description)


def parse_time(value: Any, name: str, *, truncate: bool = True) -> datetime:
    """An aware UTC datetime from an ISO 8601 string, truncated to the minute
    unless ``truncate`` is False.

    Raises:
        ApiError: 400, not a string, not ISO 8601, or without an offset.
    """
    if not isinstance(value, str):
        raise invalid(f"Parameter '{name}' must be an ISO 8601 string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"Parameter '{name}' is not a valid ISO 8601 time.") from None
    if parsed.tzinfo is None:
        raise invalid(f"Parameter '{name}' needs a time zone offset.")
    parsed = parsed.astimezone(UTC)
    return parsed.replace(second=0, microsecond=0) if truncate else parsed


def check_times(start: datetime, end: datetime, now: datetime) -> datetime:
    """``start``, moved out of the current minute; checks the rules above.

    Raises:
        ApiError: 400 when a rule is broken.
    """
    this_minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    if start == this_minute:
        start += timedelta(minutes=1)
        end = max(end, start)
    if start < this_minute or end < this_minute:
        raise invalid("Parameter 'start' or 'end' is before current time.")
    length = end - start
    if length < timedelta(minutes=10) or length > timedelta(hours=24):
        raise invalid("The meeting duration must be between 10 minutes and 24 hours.")
    return start


def check_timezone(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid("Parameter 'timezone' must be an IANA time zone name.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"Invalid timezone '{value}'.") from None
    return value


def check_title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("Parameter 'title' is required.")
    if len(value) > 128:
        raise invalid("Parameter 'title' is longer than 128 characters.")
    return value


def read_options(body: dict[str, Any]) -> dict[str, Any]:
    """The optional fields present in ``body``, type-checked.

    Raises:
        ApiError: 400 for a wrongly typed or out-of-range value.
    """
    options: dict[str, Any] = {}
    for name, kind in OPTION_TYPES.items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        # bool is an int in Python; JSON keeps them apart, so must we.
        wrong_bool = kind is int and isinstance(value, bool)
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if wrong_bool or not isinstance(value, kind):
            raise invalid(f"Parameter '{name}' has the wrong type.")
        options[name] = value
    security = options.get("unlockedMeetingJoinSecurity")
    if security is not None and security not in _JOIN_SECURITY:
        raise invalid(f"Invalid unlockedMeetingJoinSecurity '{security}'.")
    if options.get("automaticLockMinutes", 0) < 0:
        raise invalid("Parameter 'automaticLockMinutes' must not be negative.")
    return options


def occurrence_starts(start: datetime, recurrence: str | None) -> list[datetime]:
    """The start of every occurrence: one without ``recurrence``.

    Raises:
        ApiError: 400 for a rule outside the supported subset.
    """
    if not recurrence:
        return [start]
    parts: dict[str, str] = {}
    for item in recurrence.split(";"):
        key, _, value = item.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    step = {"DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}.get(parts.get("FREQ", ""))
    try:
        count = int(parts.get("COUNT", "0"))
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        raise invalid(f"Invalid recurrence rule '{recurrence}'.") from None
    if (
        step is None
        or not 1 <= count <= 261
        or interval < 1
        or set(parts)
        - {
            "FREQ",
            "COUNT",
            "INTERVAL",
        }
    ):
        raise invalid(f"Invalid recurrence rule '{recurrence}'.")
    return [start + step * interval * k for k in range(count)]
