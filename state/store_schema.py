"""The store's tables, their migrations, and the row <-> value conversions.

Datetimes are stored as UTC ISO-8601 text with microseconds, one fixed width,
so text order is time order and SQL can compare them. Booleans are 0/1.
Migrations are registered in order and each is applied once; sqlite-utils
records them in ``_sqlite_migrations``.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any, get_type_hints

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from state.legacy_zones import zone_name_sql
from state.model import (
    Delivery,
    DeliveryState,
    Event,
    EventKind,
    MeetingSnapshot,
    Scope,
    Subscription,
)

__all__ = [
    "MIGRATIONS",
    "SNAPSHOT_FIELDS",
    "delivery_from_row",
    "event_row",
    "from_db_time",
    "snapshot_from_row",
    "snapshot_row",
    "subscription_from_row",
    "to_db_time",
]

MIGRATIONS = Migrations("meetbot")

SNAPSHOT_FIELDS = tuple(f.name for f in fields(MeetingSnapshot))
# Column encodings follow the snapshot's annotations, so a new field needs no
# edit here (only a migration adding its column).
_HINTS = get_type_hints(MeetingSnapshot)
_TIME_FIELDS = frozenset(n for n, t in _HINTS.items() if t in (datetime, datetime | None))
_BOOL_FIELDS = frozenset(n for n, t in _HINTS.items() if t in (bool, bool | None))

#: The meetings table as 0001 made it (frozen: later fields come by migration).
_INITIAL_MEETINGS: dict[str, Any] = {
    "key": str,
    "uuid": str,
    "title": str,
    "host_webex_id": str,
    "host_email": str,
    "start": str,
    "duration_minutes": int,
    "time_zone_id": int,
    "in_progress": int,
    "host_present": int,
    "attendees_present": int,
    "locked": int,
    "private": int,
    "personal_room": int,
    "join_url": str,
    "started_at": str,
    "ended_at": str,
    "cancelled": int,
    "last_seen": str,
    "last_source": str,
    "soon_notified_for": str,
    "host_announced": int,
    "host_absent_since": str,
    "waiting_since": str,
    "waiting_announced": int,
    "missed_listings": int,
}


@MIGRATIONS(name="0001_initial")
def _initial(db: Database) -> None:
    db.table("meetings").create(_INITIAL_MEETINGS, pk="key", not_null={"key", "start", "last_seen"})
    db.table("meetings").create_index(["cancelled", "ended_at"])
    db.table("meetings").create_index(["start"])
    db.table("events").create(
        {
            "id": int,
            "meeting_key": str,
            "kind": str,
            "at": str,
            "previous_start": str,
            "previous_duration_minutes": int,
            "ran_minutes": int,
        },
        pk="id",
        not_null={"meeting_key", "kind", "at"},
    )
    db.table("subscriptions").create(
        {
            "id": int,
            "channel": str,
            "scope": str,
            # '' for scope all: NULLs would not collide in the unique index.
            "target": str,
            "kinds": str,  # comma-separated EventKind values, '' = all
            "enabled": int,
            "disabled_reason": str,
        },
        pk="id",
        not_null={"channel", "scope", "target", "kinds", "enabled"},
    )
    db.table("subscriptions").create_index(["channel", "scope", "target"], unique=True)
    db.table("outbox").create(
        {
            "id": int,
            "event_id": int,
            "delivery_key": str,
            "destination": str,
            "meeting_key": str,
            "state": str,
            "attempts": int,
            "next_attempt_at": str,
            "created_at": str,
            "posted_channel": str,
            "posted_ts": str,
            "last_error": str,
        },
        pk="id",
        not_null={"event_id", "delivery_key", "destination", "meeting_key", "state"},
        foreign_keys=[("event_id", "events", "id")],
    )
    db.table("outbox").create_index(["delivery_key"], unique=True)
    # The queue of one (meeting, destination): due_deliveries asks for its head.
    db.table("outbox").create_index(["meeting_key", "destination", "state", "id"])
    db.table("outbox").create_index(["state", "next_attempt_at"])
    db.table("cards").create(
        {"meeting_key": str, "channel": str, "ts": str},
        pk=("meeting_key", "channel"),
        not_null={"ts"},
    )


@MIGRATIONS(name="0002_slack_events")
def _slack_events(db: Database) -> None:
    # Slack's event ids already acted on, so its retries (which can arrive
    # after a restart) are acknowledged without acting again.
    db.table("slack_events").create(
        {"event_id": str, "received_at": str}, pk="event_id", not_null={"received_at"}
    )
    db.table("slack_events").create_index(["received_at"])


@MIGRATIONS(name="0003_rest_tokens_and_webhook_inbox")
def _rest(db: Database) -> None:
    # The REST backend's newest tokens (one row) and its webhook inbox: a
    # delivery is written here before it is acknowledged, once per identity.
    db.table("rest_tokens").create(
        {
            "id": int,
            "access_token": str,
            "expires_at": str,
            "refresh_token": str,
            "refresh_expires_at": str,
            "origin": str,
            "saved_at": str,
        },
        pk="id",
        not_null={"access_token", "origin", "saved_at"},
    )
    db.table("webhook_inbox").create(
        {"id": int, "identity": str, "body": str, "received_at": str, "processed_at": str},
        pk="id",
        not_null={"identity", "body", "received_at"},
    )
    db.table("webhook_inbox").create_index(["identity"], unique=True)
    db.table("webhook_inbox").create_index(["processed_at"])


@MIGRATIONS(name="0004_zone_names_and_host_ids")
def _zone_names(db: Database) -> None:
    # The core names a meeting's zone by IANA name and its host by the
    # backend's opaque identity: the XML API's timeZoneID becomes its name
    # (an id the table lacks, NULL) and its column goes.
    db.execute("ALTER TABLE meetings RENAME COLUMN host_webex_id TO host_id")
    db.execute("ALTER TABLE meetings ADD COLUMN time_zone TEXT")
    db.execute(f"UPDATE meetings SET time_zone = {zone_name_sql('time_zone_id')}")
    db.execute("ALTER TABLE meetings DROP COLUMN time_zone_id")


def to_db_time(value: datetime) -> str:
    """Fixed-width UTC text for ``value`` (aware)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _opt_time(value: str | None) -> datetime | None:
    return None if value is None else from_db_time(value)


def snapshot_row(snapshot: MeetingSnapshot) -> dict[str, Any]:
    row = asdict(snapshot)
    for name in _TIME_FIELDS:
        if row[name] is not None:
            row[name] = to_db_time(row[name])
    for name in _BOOL_FIELDS:
        if row[name] is not None:
            row[name] = int(row[name])
    return row


def snapshot_from_row(row: dict[str, Any]) -> MeetingSnapshot:
    values = {name: row[name] for name in SNAPSHOT_FIELDS}
    for name in _TIME_FIELDS:
        values[name] = _opt_time(values[name])
    for name in _BOOL_FIELDS:
        if values[name] is not None:
            values[name] = bool(values[name])
    return MeetingSnapshot(**values)


def event_row(event: Event) -> dict[str, Any]:
    return {
        "meeting_key": event.meeting_key,
        "kind": str(event.kind),
        "at": to_db_time(event.at),
        "previous_start": None
        if event.previous_start is None
        else to_db_time(event.previous_start),
        "previous_duration_minutes": event.previous_duration_minutes,
        "ran_minutes": event.ran_minutes,
    }


def subscription_from_row(row: dict[str, Any]) -> Subscription:
    kinds = frozenset(EventKind(k) for k in row["kinds"].split(",") if k)
    return Subscription(
        id=row["id"],
        channel=row["channel"],
        scope=Scope(row["scope"]),
        target=row["target"] or None,
        kinds=kinds,
        enabled=bool(row["enabled"]),
        disabled_reason=row["disabled_reason"],
    )


def delivery_from_row(row: dict[str, Any]) -> Delivery:
    """A joined outbox + events row (event columns prefixed ``e_``)."""
    event = Event(
        kind=EventKind(row["e_kind"]),
        meeting_key=row["meeting_key"],
        at=from_db_time(row["e_at"]),
        previous_start=_opt_time(row["e_previous_start"]),
        previous_duration_minutes=row["e_previous_duration_minutes"],
        ran_minutes=row["e_ran_minutes"],
    )
    return Delivery(
        id=row["id"],
        delivery_key=row["delivery_key"],
        destination=row["destination"],
        meeting_key=row["meeting_key"],
        event=event,
        attempts=row["attempts"],
        next_attempt_at=from_db_time(row["next_attempt_at"]),
        created_at=from_db_time(row["created_at"]),
        state=DeliveryState(row["state"]),
        last_error=row["last_error"],
    )
