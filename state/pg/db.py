"""The PostgreSQL connection pool, the failure mapping and the reconnect backoff.

Every unit of work borrows one pooled connection for one transaction
(:meth:`Database.unit`). asyncpg failures become
:class:`state.errors.StoreError` ``from`` the original, and a lost or
unreachable server :class:`state.errors.StoreUnavailable`. After such a loss
the pool replaces broken connections on the next call by itself; until the
backoff delay has passed, calls fail at once without touching the network
(so a dispatcher loop does not hammer a server that is down), and each
failure doubles the delay up to a cap. The first call that reaches the
server again resets it, and :attr:`Database.reachable` follows.

Prepared statements are not cached (``statement_cache_size=0``): a
transaction-pooling proxy such as PgBouncer may sit in front and hand each
transaction a different server connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import asyncpg

from state.errors import StoreError, StoreUnavailable

__all__ = ["Conn", "Database", "connect_pool"]

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

#: A pooled connection, as every query function takes it.
Conn: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"

logger = logging.getLogger("meetbot.state.pg")

T = TypeVar("T")

_CONNECT_TIMEOUT = 10.0
_COMMAND_TIMEOUT = 60.0
_FIRST_RETRY = 0.5
_MAX_RETRY = 15.0
#: Errors that mean "no usable connection", not "this statement failed".
_LOST = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """Every unit ends its transaction and sets no session state, so a connection
    goes back to the pool clean; asyncpg's default reset would cost a round trip."""


async def connect_pool(url: str) -> asyncpg.Pool:
    """A pool of at most 4 connections to ``url``.

    Raises:
        StoreUnavailable: the server cannot be reached (the URL is not echoed).
        StoreError: the server refused the connection (authentication, no such database).
    """
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=4,
            statement_cache_size=0,
            timeout=_CONNECT_TIMEOUT,
            command_timeout=_COMMAND_TIMEOUT,
            reset=_nothing_to_reset,
        )
    except asyncpg.PostgresError as e:
        raise StoreError(f"the database refused the connection: {type(e).__name__}: {e}") from e
    except _LOST as e:
        raise StoreUnavailable(f"the database cannot be reached: {type(e).__name__}") from e
    return pool


class Database:
    """A pool, and whether the server answered last time."""

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], float] = time.monotonic) -> None:
        self._pool = pool
        self._clock = clock
        self._closed = False
        self._reachable = True
        self._delay = 0.0
        self._retry_at = 0.0
        self.rows_written = 0  # by this process, for tests and the bench

    @property
    def reachable(self) -> bool:
        return self._reachable

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pool.close()

    @asynccontextmanager
    async def unit(self, *, write: bool = True) -> AsyncIterator[Conn]:
        """One connection in one transaction (read-only when ``write`` is False),
        committed when the block ends, rolled back when it raises.

        Raises:
            StoreUnavailable: the server is gone, or was gone less than the
                backoff delay ago.
            StoreError: any other database failure.
        """
        if self._closed:
            raise StoreError("the store is closed")
        if not self._reachable and self._clock() < self._retry_at:
            raise StoreUnavailable(
                f"the database is unreachable; next try in {self._retry_at - self._clock():.1f} s"
            )
        try:
            conn = await self._pool.acquire()
        except (asyncpg.PostgresError, *_LOST) as e:
            # Refused or unreachable: either way there is no connection to use.
            raise self._lost(e) from e
        try:
            async with conn.transaction(readonly=not write):
                yield conn
        except StoreError:
            raise
        except asyncpg.PostgresError as e:
            if isinstance(e, _LOST):
                raise self._lost(e) from e
            self._reached()
            raise StoreError(f"store operation failed: {type(e).__name__}: {e}") from e
        except _LOST as e:
            raise self._lost(e) from e
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(f"store operation failed: {type(e).__name__}: {e}") from e
        else:
            self._reached()
        finally:
            with suppress(asyncpg.PostgresError, *_LOST):  # a broken one is dropped
                await self._pool.release(conn)

    async def run(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        """``await work(conn)`` in one read-write unit."""
        async with self.unit() as conn:
            return await work(conn)

    async def read(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        """``await work(conn)`` in one read-only unit."""
        async with self.unit(write=False) as conn:
            return await work(conn)

    async def execute(self, conn: Conn, sql: str, *args: object) -> int:
        """Run one INSERT/UPDATE/DELETE; returns (and counts) the rows it wrote."""
        status: str = await conn.execute(sql, *args)
        written = (
            int(status.rsplit(" ", 1)[-1]) if status[:6] in ("INSERT", "UPDATE", "DELETE") else 0
        )
        self.rows_written += written
        return written

    def _reached(self) -> None:
        if not self._reachable:
            logger.info("database reachable again")
        self._reachable = True
        self._delay = 0.0

    def _lost(self, e: BaseException) -> StoreUnavailable:
        if self._reachable:
            logger.warning("database unreachable: %s", type(e).__name__)
        self._reachable = False
        self._delay = min(_MAX_RETRY, max(_FIRST_RETRY, self._delay * 2))
        self._retry_at = self._clock() + self._delay
        return StoreUnavailable(f"the database cannot be reached: {type(e).__name__}")
