"""The replica lease: which one of several processes on one PostgreSQL database
watches the site and delivers notifications.

A row, not a session advisory lock. An advisory lock lives as long as one
server session: it needs a dedicated connection straight to PostgreSQL (a
transaction-pooling proxy such as PgBouncer hands each transaction to any
server connection, so the lock would be taken on one and "held" by nobody),
and a holder cut off by the network keeps it until the server notices the dead
socket, which with default keepalives takes hours. A lease row works through
any proxy (every statement stands alone), ends by itself when its holder stops
renewing it, and carries an epoch that fences a stale holder's writes.

Table ``meetbot_lease``, one row per lease name:

    name text PRIMARY KEY, holder text, epoch bigint, expires_at timestamptz

Rules (every comparison uses the database's clock, ``clock_timestamp()``, so
the replicas' own clocks may disagree):

1. :meth:`PgLease.acquire` takes the row only when it has expired (or was
   released), and bumps the epoch: each term of office has its own epoch.
2. :meth:`PgLease.renew` extends the expiry of the holder's own epoch, and only
   while it has not expired: an expired term is over even if nobody took it.
3. :meth:`PgLease.release` expires the row at once, so a clean stop hands over
   without waiting for the expiry.
4. :meth:`Fence.check`, run first inside a writer's transaction, reads the row
   ``FOR SHARE`` and raises :class:`FencedError` unless the epoch is still the
   writer's and unexpired. The share lock makes a concurrent acquire wait for
   the writer's commit, so whatever commits under epoch N commits before epoch
   N+1 begins.

The lease keeps one connection of its own (``statement_cache_size=0``, for
transaction-pooling proxies), so a store busy with a long transaction never
delays a renewal; it is reopened after any failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from state.errors import FencedError, StoreError

__all__ = ["Fence", "FencedError", "LeaseUnavailableError", "PgLease", "Term"]

LEASE_NAME = "watcher"

_CREATE = """
CREATE TABLE IF NOT EXISTS meetbot_lease (
    name text PRIMARY KEY,
    holder text NOT NULL,
    epoch bigint NOT NULL,
    expires_at timestamptz NOT NULL
)
"""
#: Serialises the table's creation when several replicas start together
#: (CREATE TABLE IF NOT EXISTS alone can fail on a concurrent twin).
_CREATE_LOCK = 0x6D656574626F7401  # "meetbot" + 1
_SEED = (
    "INSERT INTO meetbot_lease (name, holder, epoch, expires_at)"
    " VALUES ($1, '', 0, '-infinity') ON CONFLICT (name) DO NOTHING"
)
_ACQUIRE = (
    "UPDATE meetbot_lease SET holder = $2, epoch = epoch + 1,"
    " expires_at = clock_timestamp() + make_interval(secs => $3)"
    " WHERE name = $1 AND expires_at <= clock_timestamp() RETURNING epoch"
)
_RENEW = (
    "UPDATE meetbot_lease SET expires_at = clock_timestamp() + make_interval(secs => $4)"
    " WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()"
    " RETURNING epoch"
)
_RELEASE = (
    "UPDATE meetbot_lease SET expires_at = clock_timestamp()"
    " WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()"
)
_CHECK = (
    "SELECT epoch = $2 AND expires_at > clock_timestamp() FROM meetbot_lease"
    " WHERE name = $1 FOR SHARE"
)


class LeaseUnavailableError(StoreError):
    """The lease could not be read or written (the database is unreachable, or
    did not answer in time). Holding it can no longer be assumed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """One term of office: the holder's epoch, and until when (on this process's
    monotonic clock) it may act on it without hearing from the database.

    ``deadline`` is the local time the request that granted or renewed the term
    was sent, plus the lease's length: the database's expiry cannot come before
    it, since the database stamped the expiry after the request left.
    """

    name: str
    holder: str
    epoch: int
    deadline: float

    def __post_init__(self) -> None:
        if self.epoch < 1:
            raise ValueError("a term's epoch starts at 1")

    def remaining(self) -> float:
        """Seconds left before the term may have ended (negative once past)."""
        return self.deadline - time.monotonic()


@dataclass(frozen=True, slots=True, kw_only=True)
class Fence:
    """What a writer checks, inside its own transaction, before writing as the
    active replica (rule 4 of the module docstring)."""

    name: str
    epoch: int
    #: False once the term may have ended by this process's own clock (e.g. it
    #: was paused): checked first, and before anything leaves for the chat.
    live: Callable[[], bool] = field(default=lambda: True, compare=False, repr=False)

    async def check(self, conn: Any) -> None:
        """Run inside the caller's open transaction on ``conn`` (an asyncpg
        connection); the share lock it takes lasts until that transaction ends.

        Raises:
            FencedError: the epoch is over (expired, or another replica took the
                lease), or may be by this process's clock.
        """
        if not self.live():
            raise FencedError(f"the lease's epoch {self.epoch} ran out here; not writing")
        current = await conn.fetchval(_CHECK, self.name, self.epoch)
        if current is not True:
            raise FencedError(f"the lease's epoch {self.epoch} is over; not writing")


def holder_id() -> str:
    """A name for this process's claims, unique to this life of the process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class PgLease:
    """The lease named ``name`` in the PostgreSQL database at ``url``.

    Args:
        url: ``postgresql://`` or ``postgres://`` URL.
        ttl: seconds a term lasts without a renewal.
        holder: this process's name in the row (default: :func:`holder_id`).
        timeout: seconds any one statement, or connecting, may take.

    Every method raises :class:`LeaseUnavailableError` when the database cannot
    be reached or does not answer within ``timeout``; the URL, which may hold a
    password, is never part of a message.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float,
        holder: str | None = None,
        name: str = LEASE_NAME,
        timeout: float = 5.0,
    ) -> None:
        if ttl <= 0:
            raise ValueError("a lease's ttl must be positive")
        self._url = url
        self.ttl = ttl
        self.holder = holder or holder_id()
        self.name = name
        self._timeout = timeout
        self._conn: Any = None
        self._ready = False

    async def acquire(self) -> Term | None:
        """Take the lease if it is free (expired or released); None if another holds it."""
        sent = time.monotonic()
        epoch = await self._fetchval(_ACQUIRE, self.name, self.holder, self.ttl)
        if epoch is None:
            return None
        return Term(name=self.name, holder=self.holder, epoch=int(epoch), deadline=sent + self.ttl)

    async def renew(self, term: Term, *, within: float | None = None) -> Term | None:
        """Extend ``term``; None when it is over (expired or taken over).

        Args:
            within: at most this many seconds for the round trip (default: the
                lease's ``timeout``), e.g. what is left of the term.
        """
        sent = time.monotonic()
        epoch = await self._fetchval(
            _RENEW, term.name, term.holder, term.epoch, self.ttl, within=within
        )
        if epoch is None:
            return None
        return Term(name=term.name, holder=term.holder, epoch=term.epoch, deadline=sent + self.ttl)

    async def release(self, term: Term) -> None:
        """End ``term`` now, so another replica may take over at once."""
        await self._fetchval(_RELEASE, term.name, term.holder, term.epoch)

    def fence(self, term: Term) -> Fence:
        """The check a writer runs to write only while ``term`` lasts."""
        return Fence(name=term.name, epoch=term.epoch)

    async def close(self) -> None:
        """Close the lease's connection (the lease itself is left as it is)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def _fetchval(self, sql: str, *args: object, within: float | None = None) -> Any:
        limit = self._timeout if within is None else max(0.05, within)
        try:
            async with asyncio.timeout(limit):
                conn = await self._connection()
                return await conn.fetchval(sql, *args)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
            await self.close()
            raise LeaseUnavailableError(
                f"the replica lease is unavailable: {type(e).__name__}: {e}"
            ) from e

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._url, statement_cache_size=0)
            if not self._ready:
                async with self._conn.transaction():
                    await self._conn.execute("SELECT pg_advisory_xact_lock($1)", _CREATE_LOCK)
                    await self._conn.execute(_CREATE)
                    await self._conn.execute(_SEED, self.name)
                self._ready = True
        return self._conn
