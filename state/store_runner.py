"""The thread that owns the store's SQLite connection.

sqlite-utils connections refuse calls from other threads, and every call
blocks, so one dedicated thread opens the connection and runs every unit of
work; the event loop only awaits it. Failures are mapped here, once: any
sqlite3 error, and any stored row that no longer decodes, becomes
:class:`state.errors.StoreError` raised ``from`` the original.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Self, TypeVar

from sqlite_utils import Database

from state.errors import StoreError, StoreLockedError

__all__ = ["DEFAULT_DATABASE_URL", "Runner", "database_path"]

DEFAULT_DATABASE_URL = "sqlite:///meetbot.db"
_BUSY_TIMEOUT_MS = 5000


def _hold_lock(path: str) -> int | None:
    """Take the exclusive lock that makes one process per database file.

    Two bots on one database would both post every event: each keeps
    decoded snapshots in memory and would compute the same events from them.
    An advisory ``flock`` on ``<path>.lock`` is held for as long as the
    returned descriptor stays open, and the kernel drops it when the process
    dies, however it dies. Returns None where flock does not exist (Windows).

    Raises:
        StoreLockedError: another process holds the lock.
    """
    if sys.platform == "win32":
        return None
    import fcntl

    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            raise StoreLockedError(path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except BaseException:
        os.close(fd)  # also drops the lock if it was taken
        raise
    return fd


T = TypeVar("T")


def database_path(url: str) -> str:
    """The file path in a ``sqlite:///path`` URL (``sqlite:///:memory:`` allowed).

    ``sqlite:///data/m.db`` is relative, ``sqlite:////var/m.db`` absolute.

    Raises:
        StoreError: any other scheme. The URL is not echoed: it may hold a password.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise StoreError("DATABASE_URL must look like sqlite:///path/to/file.db")
    return url[len(prefix) :]


class Runner:
    """Runs callables against the connection on the store thread."""

    def __init__(self, path: str) -> None:
        """Private: use ``Store.open``. The connection is opened on the store thread."""
        self._path = path
        self._db: Database | None = None
        self._open_error: BaseException | None = None
        self._lock_fd: int | None = None
        self._closed = False
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="meetbot-store", initializer=self._connect
        )

    @property
    def reachable(self) -> bool:
        """Whether the database file is open (a local file does not come and go)."""
        return not self._closed and self._db is not None

    async def close(self) -> None:
        """Close the connection and stop the thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._disconnect)
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _connect(self) -> None:
        # Runs in the store thread. An initializer that raised would break the
        # pool for good, so the error is kept and reported by the first call.
        try:
            if self._path == ":memory:":
                db = Database(memory=True)
            else:
                self._lock_fd = _hold_lock(self._path)
                db = Database(self._path)
                db.enable_wal()
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            self._db = db
        except Exception as e:  # noqa: BLE001 - kept for the first call to report
            self._open_error = e
            self._release_lock()

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def _guarded(self, work: Callable[[Database], T]) -> T:
        if self._closed and self._db is None:
            raise StoreError("the store is closed")
        if self._db is None:
            if isinstance(self._open_error, StoreLockedError):
                # Typed, so callers can tell "someone else's" from "broken".
                locked = self._open_error
                raise StoreLockedError(locked.path, locked.holder) from locked
            raise StoreError(
                f"the database could not be opened: {self._open_error}"
            ) from self._open_error
        try:
            return work(self._db)
        except (sqlite3.Error, ValueError, KeyError, TypeError) as e:
            raise StoreError(f"store operation failed: {type(e).__name__}: {e}") from e

    async def _run(self, work: Callable[[Database], T]) -> T:
        if self._closed:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._guarded, work)

    async def total_changes(self) -> int:
        """Rows written through this connection since it opened (for tests and bench)."""
        return await self._run(lambda db: db.conn.total_changes)
