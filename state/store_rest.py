"""The SQLite store's REST backend queries: the newest tokens and the webhook
inbox (rules in state/rest_model.py), and the row conversions both stores share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from state.rest_model import INBOX_RETENTION, InboxItem, StoredTokens
from state.store_runner import Runner
from state.store_schema import from_db_time, to_db_time

__all__ = ["TOKEN_COLUMNS", "RestQueries", "inbox_from_row", "tokens_from_row", "tokens_row"]

#: The columns of ``rest_tokens``, in :func:`tokens_row` order.
TOKEN_COLUMNS = (
    "id",
    "access_token",
    "expires_at",
    "refresh_token",
    "refresh_expires_at",
    "origin",
    "saved_at",
)


def tokens_row(tokens: StoredTokens) -> dict[str, Any]:
    """The ``rest_tokens`` row of ``tokens``: id 1, the only row."""
    return {
        "id": 1,
        "access_token": tokens.access_token,
        "expires_at": _opt(tokens.expires_at),
        "refresh_token": tokens.refresh_token,
        "refresh_expires_at": _opt(tokens.refresh_expires_at),
        "origin": tokens.origin,
        "saved_at": to_db_time(tokens.saved_at),
    }


def tokens_from_row(row: dict[str, Any]) -> StoredTokens:
    return StoredTokens(
        access_token=row["access_token"],
        expires_at=_opt_time(row["expires_at"]),
        refresh_token=row["refresh_token"],
        refresh_expires_at=_opt_time(row["refresh_expires_at"]),
        origin=row["origin"],
        saved_at=from_db_time(row["saved_at"]),
    )


def inbox_from_row(row: dict[str, Any]) -> InboxItem:
    return InboxItem(
        id=row["id"],
        identity=row["identity"],
        body=row["body"],
        received_at=from_db_time(row["received_at"]),
    )


def _opt(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def _opt_time(value: str | None) -> datetime | None:
    return None if value is None else from_db_time(value)


class RestQueries(Runner):
    """The REST backend's tokens and webhook inbox. Not fenced: any replica may
    renew a token or take a delivery, and either must be kept whichever does."""

    async def rest_tokens(self) -> StoredTokens | None:
        """The newest persisted tokens, or None. Read-only."""

        def work(db: Database) -> StoredTokens | None:
            rows = list(db.query("SELECT * FROM rest_tokens WHERE id = 1"))
            return tokens_from_row(rows[0]) if rows else None

        return await self._run(work)

    async def save_rest_tokens(self, tokens: StoredTokens) -> None:
        """Persist ``tokens`` in place of any earlier set.

        Raises:
            StoreError: the database refused the write.
        """
        row = tokens_row(tokens)

        def work(db: Database) -> None:
            with db.atomic():
                db.table("rest_tokens").upsert(row, pk="id")

        await self._run(work)

    async def inbox_put(self, identity: str, body: str, now: datetime) -> bool:
        """Persist a verified delivery: True when stored, False when the inbox
        already holds one with the same ``identity`` (a repeat). Processed
        deliveries older than :data:`INBOX_RETENTION` are forgotten on the way.

        Raises:
            StoreError: the database refused the write (answer Webex 5xx: it
                may deliver again).
        """
        cutoff = to_db_time(now - INBOX_RETENTION)

        def work(db: Database) -> bool:
            with db.atomic():
                db.execute("DELETE FROM webhook_inbox WHERE processed_at < ?", [cutoff])
                cursor = db.execute(
                    "INSERT INTO webhook_inbox (identity, body, received_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (identity) DO NOTHING",
                    [identity, body, to_db_time(now)],
                )
            return bool(cursor.rowcount == 1)

        return await self._run(work)

    async def inbox_pending(self, limit: int = 100) -> list[InboxItem]:
        """Deliveries not processed yet, in the order they arrived. Read-only."""

        def work(db: Database) -> list[InboxItem]:
            rows = db.query(
                "SELECT * FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id LIMIT ?",
                [limit],
            )
            return [inbox_from_row(r) for r in rows]

        return await self._run(work)

    async def inbox_done(self, item_id: int, now: datetime) -> None:
        """Mark delivery ``item_id`` processed (kept a while to recognise repeats).
        Marking it twice, or one already forgotten, changes nothing."""

        def work(db: Database) -> None:
            with db.atomic():
                db.execute(
                    "UPDATE webhook_inbox SET processed_at = ? WHERE id = ?"
                    " AND processed_at IS NULL",
                    [to_db_time(now), item_id],
                )

        await self._run(work)
