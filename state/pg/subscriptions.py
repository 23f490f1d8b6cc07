"""The PostgreSQL store's subscription queries (see state/store_subscriptions.py)."""

from __future__ import annotations

from state.model import EventKind, Scope, Subscription
from state.pg.db import Conn, Database
from state.store_schema import subscription_from_row
from state.store_subscriptions import normalised

__all__ = ["PgSubscriptions"]


class PgSubscriptions:
    """Subscriptions: add, remove, list, disable a gone channel."""

    _db: Database

    async def subscribe(
        self,
        channel: str,
        scope: str,
        target: str | None,
        kinds: frozenset[EventKind] = frozenset(),
    ) -> Subscription:
        """See :meth:`state.store_api.Store.subscribe`."""
        wanted = normalised(channel, scope, target, kinds)

        async def work(conn: Conn) -> Subscription:
            row = await conn.fetchrow(
                "INSERT INTO subscriptions (channel, scope, target, kinds, enabled)"
                " VALUES ($1, $2, $3, $4, 1) ON CONFLICT (channel, scope, target) DO UPDATE"
                " SET kinds = excluded.kinds, enabled = 1, disabled_reason = NULL RETURNING *",
                *wanted,
            )
            assert row is not None  # RETURNING of an upsert always has its row
            self._db.rows_written += 1
            return subscription_from_row(dict(row))

        return await self._db.run(work)

    async def unsubscribe(self, channel: str, scope: str, target: str | None) -> bool:
        """Remove one subscription; False when there was none."""
        wanted = normalised(channel, scope, target, frozenset())

        async def work(conn: Conn) -> int:
            return await self._db.execute(
                conn,
                "DELETE FROM subscriptions WHERE channel = $1 AND scope = $2 AND target = $3",
                *wanted[:3],
            )

        return await self._db.run(work) > 0

    async def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every subscription (enabled or not), or one channel's, oldest first."""
        return await self._db.read(lambda conn: fetch_subscriptions(conn, channel, False))

    async def disable_destination(self, channel: str, reason: str) -> int:
        """Disable every enabled subscription of ``channel``; returns how many."""

        async def work(conn: Conn) -> int:
            return await self._db.execute(
                conn,
                "UPDATE subscriptions SET enabled = 0, disabled_reason = $1"
                " WHERE channel = $2 AND enabled = 1",
                reason,
                channel,
            )

        return await self._db.run(work)

    async def watched_hosts(self) -> tuple[bool, frozenset[str]]:
        """See :meth:`state.store_api.Store.watched_hosts`."""
        any_all, hosts, _ = await self.watched()
        return any_all, hosts

    async def watched(self) -> tuple[bool, frozenset[str], frozenset[str]]:
        """See :meth:`state.store_api.Store.watched`."""
        found = await self._db.read(lambda conn: fetch_subscriptions(conn, None, True))

        def targets(scope: Scope) -> frozenset[str]:
            return frozenset(s.target for s in found if s.scope is scope and s.target)

        return any(s.scope is Scope.ALL for s in found), targets(Scope.HOST), targets(Scope.MEETING)


async def fetch_subscriptions(
    conn: Conn, channel: str | None, enabled_only: bool
) -> list[Subscription]:
    rows = await conn.fetch(
        "SELECT * FROM subscriptions WHERE ($1::text IS NULL OR channel = $1)"
        " AND (NOT $2 OR enabled = 1) ORDER BY id",
        channel,
        enabled_only,
    )
    return [subscription_from_row(dict(r)) for r in rows]
