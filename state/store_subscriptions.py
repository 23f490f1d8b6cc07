"""The store's subscription queries: which channels hear about which meetings."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from state.model import EventKind, Scope, Subscription
from state.store_runner import Runner
from state.store_schema import subscription_from_row

__all__ = ["SubscriptionQueries", "normalised"]


class SubscriptionQueries(Runner):
    """Subscriptions: add, remove, list, disable a gone channel."""

    async def subscribe(
        self,
        channel: str,
        scope: str,
        target: str | None,
        kinds: frozenset[EventKind] = frozenset(),
    ) -> Subscription:
        """Add (or re-enable and replace the kinds of) a channel's subscription.

        Raises:
            ValueError: unknown scope, or a target that does not fit the scope.
        """
        wanted = normalised(channel, scope, target, kinds)

        def work(db: Database) -> Subscription:
            with db.atomic():
                db.execute(
                    "INSERT INTO subscriptions (channel, scope, target, kinds, enabled)"
                    " VALUES (?, ?, ?, ?, 1) ON CONFLICT (channel, scope, target) DO UPDATE"
                    " SET kinds = excluded.kinds, enabled = 1, disabled_reason = NULL",
                    [wanted[0], wanted[1], wanted[2], wanted[3]],
                )
                row = next(
                    db.query(
                        "SELECT * FROM subscriptions WHERE channel = ? AND scope = ?"
                        " AND target = ?",
                        list(wanted[:3]),
                    )
                )
            return subscription_from_row(row)

        return await self._run(work)

    async def unsubscribe(self, channel: str, scope: str, target: str | None) -> bool:
        """Remove one subscription; False when there was none."""
        wanted = normalised(channel, scope, target, frozenset())

        def work(db: Database) -> bool:
            with db.atomic():
                cursor = db.execute(
                    "DELETE FROM subscriptions WHERE channel = ? AND scope = ? AND target = ?",
                    list(wanted[:3]),
                )
            return cursor.rowcount > 0

        return await self._run(work)

    async def subscriptions(self, channel: str | None = None) -> list[Subscription]:
        """Every subscription (enabled or not), or one channel's, oldest first."""
        return await self._run(lambda db: self._subscriptions(db, channel, enabled_only=False))

    @staticmethod
    def _subscriptions(
        db: Database, channel: str | None, *, enabled_only: bool
    ) -> list[Subscription]:
        clauses = ["1 = 1"]
        params: list[Any] = []
        if channel is not None:
            clauses.append("channel = ?")
            params.append(channel)
        if enabled_only:
            clauses.append("enabled = 1")
        rows = db.query(
            f"SELECT * FROM subscriptions WHERE {' AND '.join(clauses)} ORDER BY id", params
        )
        return [subscription_from_row(r) for r in rows]

    async def disable_destination(self, channel: str, reason: str) -> int:
        """Disable every enabled subscription of ``channel`` (e.g. the bot was removed
        from it); returns how many. Pending deliveries are left to the dispatcher."""

        def work(db: Database) -> int:
            with db.atomic():
                cursor = db.execute(
                    "UPDATE subscriptions SET enabled = 0, disabled_reason = ?"
                    " WHERE channel = ? AND enabled = 1",
                    [reason, channel],
                )
            return cursor.rowcount

        return await self._run(work)

    async def watched_hosts(self) -> tuple[bool, frozenset[str]]:
        """(whether any enabled subscription covers every meeting, the enabled host
        targets: webExIDs or emails, casefolded) so the watcher knows which
        listings to ask for."""
        any_all, hosts, _ = await self.watched()
        return any_all, hosts

    async def watched(self) -> tuple[bool, frozenset[str], frozenset[str]]:
        """:meth:`watched_hosts` and the meeting keys enabled subscriptions name,
        from one read."""
        found = await self._run(lambda db: self._subscriptions(db, None, enabled_only=True))

        def targets(scope: Scope) -> frozenset[str]:
            return frozenset(s.target for s in found if s.scope is scope and s.target)

        return any(s.scope is Scope.ALL for s in found), targets(Scope.HOST), targets(Scope.MEETING)


def normalised(
    channel: str, scope: str, target: str | None, kinds: frozenset[EventKind]
) -> tuple[str, str, str, str]:
    """Validate a subscription and give its stored form: host targets casefolded
    (matching ignores case), '' for no target, kinds comma-joined in order."""
    parsed = Scope(scope)
    cleaned = target.strip() if target else None
    if parsed is Scope.HOST and cleaned:
        cleaned = cleaned.casefold()
    Subscription(id=0, channel=channel, scope=parsed, target=cleaned, kinds=kinds)
    if not channel:
        raise ValueError("a subscription needs a channel")
    return channel, str(parsed), cleaned or "", ",".join(sorted(str(k) for k in kinds))
