"""The PostgreSQL store's REST backend queries (see state/store_rest.py)."""

from __future__ import annotations

from datetime import datetime

from state.pg.db import Conn, Database
from state.rest_model import INBOX_RETENTION, InboxItem, StoredTokens
from state.store_rest import TOKEN_COLUMNS, inbox_from_row, tokens_from_row, tokens_row
from state.store_schema import to_db_time

__all__ = ["PgRest"]

_SAVE_TOKENS = (
    f"INSERT INTO rest_tokens ({', '.join(TOKEN_COLUMNS)})"
    f" VALUES ({', '.join(f'${i}' for i in range(1, len(TOKEN_COLUMNS) + 1))})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in TOKEN_COLUMNS if name != "id")
)


class PgRest:
    """The REST backend's tokens and webhook inbox; not fenced (see
    :class:`state.store_rest.RestQueries`)."""

    _db: Database

    async def rest_tokens(self) -> StoredTokens | None:
        """See :meth:`state.store_api.Store.rest_tokens`."""

        async def work(conn: Conn) -> StoredTokens | None:
            row = await conn.fetchrow("SELECT * FROM rest_tokens WHERE id = 1")
            return None if row is None else tokens_from_row(dict(row))

        return await self._db.read(work)

    async def save_rest_tokens(self, tokens: StoredTokens) -> None:
        """See :meth:`state.store_api.Store.save_rest_tokens`."""
        row = tokens_row(tokens)

        async def work(conn: Conn) -> None:
            await self._db.execute(conn, _SAVE_TOKENS, *(row[c] for c in TOKEN_COLUMNS))

        await self._db.run(work)

    async def inbox_put(self, identity: str, body: str, now: datetime) -> bool:
        """See :meth:`state.store_api.Store.inbox_put`."""
        cutoff = to_db_time(now - INBOX_RETENTION)

        async def work(conn: Conn) -> bool:
            await self._db.execute(
                conn, "DELETE FROM webhook_inbox WHERE processed_at < $1", cutoff
            )
            inserted = await self._db.execute(
                conn,
                "INSERT INTO webhook_inbox (identity, body, received_at) VALUES ($1, $2, $3)"
                " ON CONFLICT (identity) DO NOTHING",
                identity,
                body,
                to_db_time(now),
            )
            return inserted == 1

        return await self._db.run(work)

    async def inbox_pending(self, limit: int = 100) -> list[InboxItem]:
        """See :meth:`state.store_api.Store.inbox_pending`."""

        async def work(conn: Conn) -> list[InboxItem]:
            rows = await conn.fetch(
                "SELECT * FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id LIMIT $1",
                limit,
            )
            return [inbox_from_row(dict(r)) for r in rows]

        return await self._db.read(work)

    async def inbox_done(self, item_id: int, now: datetime) -> None:
        """See :meth:`state.store_api.Store.inbox_done`."""

        async def work(conn: Conn) -> None:
            await self._db.execute(
                conn,
                "UPDATE webhook_inbox SET processed_at = $1 WHERE id = $2 AND processed_at IS NULL",
                to_db_time(now),
                item_id,
            )

        await self._db.run(work)
