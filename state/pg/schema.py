"""The PostgreSQL schema: the SQLite store's migrations (state/store_schema.py),
by the same names and in the same order, written as PostgreSQL DDL.

Columns keep the SQLite encodings (times as fixed-width UTC ISO text, booleans
as 0/1 integers), so one set of row conversions serves both stores and text
order stays time order. Applied names are recorded in ``meetbot_migrations``.
Migrating holds a transaction-scoped advisory lock: processes that start
together apply each migration once, the others wait and find it done (a
transaction lock also works through a transaction-pooling proxy).
"""

from __future__ import annotations

from state.clock import utc_now
from state.legacy_zones import zone_name_sql
from state.pg.db import Conn

__all__ = ["MIGRATIONS", "migrate"]

#: pg_advisory_xact_lock key while migrating ("meetbot" + 1).
MIGRATION_LOCK = 0x6D656574626F7401

_INITIAL = """
CREATE TABLE meetings (
    key text PRIMARY KEY,
    uuid text,
    title text,
    host_webex_id text,
    host_email text,
    start text NOT NULL,
    duration_minutes integer,
    time_zone_id integer,
    in_progress integer,
    host_present integer,
    attendees_present integer,
    locked integer,
    private integer,
    personal_room integer,
    join_url text,
    started_at text,
    ended_at text,
    cancelled integer,
    last_seen text NOT NULL,
    last_source text,
    soon_notified_for text,
    host_announced integer,
    host_absent_since text,
    waiting_since text,
    waiting_announced integer,
    missed_listings integer
);
CREATE INDEX meetings_cancelled_ended_at ON meetings (cancelled, ended_at);
CREATE INDEX meetings_start ON meetings (start);
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    meeting_key text NOT NULL,
    kind text NOT NULL,
    at text NOT NULL,
    previous_start text,
    previous_duration_minutes integer,
    ran_minutes integer
);
CREATE TABLE subscriptions (
    id bigserial PRIMARY KEY,
    channel text NOT NULL,
    scope text NOT NULL,
    target text NOT NULL,
    kinds text NOT NULL,
    enabled integer NOT NULL,
    disabled_reason text
);
CREATE UNIQUE INDEX subscriptions_channel_scope_target
    ON subscriptions (channel, scope, target);
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    event_id bigint NOT NULL REFERENCES events (id),
    delivery_key text NOT NULL,
    destination text NOT NULL,
    meeting_key text NOT NULL,
    state text NOT NULL,
    attempts integer,
    next_attempt_at text,
    created_at text,
    posted_channel text,
    posted_ts text,
    last_error text
);
CREATE UNIQUE INDEX outbox_delivery_key ON outbox (delivery_key);
CREATE INDEX outbox_queue ON outbox (meeting_key, destination, state, id);
CREATE INDEX outbox_state_next_attempt_at ON outbox (state, next_attempt_at);
CREATE TABLE cards (
    meeting_key text,
    channel text,
    ts text NOT NULL,
    PRIMARY KEY (meeting_key, channel)
);
-- PostgreSQL only: a counter bumped by every write to meetings, so a process
-- knows when another one wrote since it last looked (state/pg/store.py).
CREATE TABLE meetings_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO meetings_version VALUES (1, 0);
"""

_SLACK_EVENTS = """
CREATE TABLE slack_events (
    event_id text PRIMARY KEY,
    received_at text NOT NULL
);
CREATE INDEX slack_events_received_at ON slack_events (received_at);
"""

_REST = """
CREATE TABLE rest_tokens (
    id integer PRIMARY KEY,
    access_token text NOT NULL,
    expires_at text,
    refresh_token text,
    refresh_expires_at text,
    origin text NOT NULL,
    saved_at text NOT NULL
);
CREATE TABLE webhook_inbox (
    id bigserial PRIMARY KEY,
    identity text NOT NULL,
    body text NOT NULL,
    received_at text NOT NULL,
    processed_at text
);
CREATE UNIQUE INDEX webhook_inbox_identity ON webhook_inbox (identity);
CREATE INDEX webhook_inbox_processed_at ON webhook_inbox (processed_at);
"""

# See state/store_schema.py's 0004: zones by IANA name, hosts by opaque id.
_ZONE_NAMES = f"""
ALTER TABLE meetings RENAME COLUMN host_webex_id TO host_id;
ALTER TABLE meetings ADD COLUMN time_zone text;
UPDATE meetings SET time_zone = {zone_name_sql("time_zone_id")};
ALTER TABLE meetings DROP COLUMN time_zone_id;
"""

#: (name, DDL) in order; the names are the SQLite migrations' names.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_initial", _INITIAL),
    ("0002_slack_events", _SLACK_EVENTS),
    ("0003_rest_tokens_and_webhook_inbox", _REST),
    ("0004_zone_names_and_host_ids", _ZONE_NAMES),
)


async def migrate(conn: Conn) -> list[str]:
    """Apply the pending migrations in one transaction; returns their names."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meetbot_migrations"
            " (name text PRIMARY KEY, applied_at text NOT NULL)"
        )
        applied = {r["name"] for r in await conn.fetch("SELECT name FROM meetbot_migrations")}
        pending = [(name, ddl) for name, ddl in MIGRATIONS if name not in applied]
        for name, ddl in pending:
            await conn.execute(ddl)
            await conn.execute(
                "INSERT INTO meetbot_migrations (name, applied_at) VALUES ($1, $2)",
                name,
                utc_now().isoformat(timespec="microseconds"),
            )
    return [name for name, _ in pending]
