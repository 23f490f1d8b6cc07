"""Errors raised by state/: the store's failure types.

Driver exceptions (sqlite3, sqlite-utils, asyncpg) are caught inside the store
modules and re-raised as :class:`StoreError` ``from`` the original, so callers
handle one family whatever the database did::

    StoreError             any failure: I/O, a migration, a row that no longer decodes
    ├── StoreUnavailable   the database cannot be reached (the store retries by itself)
    ├── FencedError        a write as the active replica after its term ended: not written
    └── StoreLockedError   another process holds the SQLite database file
"""

from __future__ import annotations

__all__ = ["FencedError", "StoreError", "StoreLockedError", "StoreUnavailable"]


class StoreError(Exception):
    """The database failed (I/O, corruption, a migration that did not apply,
    a row that no longer decodes)."""


class StoreUnavailable(StoreError, ConnectionError):
    """The database could not be reached, or the connection broke mid-call. The
    unit of work was rolled back or its commit is unknown: retry it (every unit
    is safe to repeat: events come from the committed state)."""


class FencedError(StoreError):
    """A write as the active replica was refused: this replica's term of office
    (its lease epoch) is over, so another replica may be active now."""


class StoreLockedError(StoreError):
    """Another process holds the database (``holder``: its pid as it wrote it, or
    "unknown"); one process per database."""

    def __init__(self, path: str, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"another meetbot process (pid {holder}) is using {path}; run one process per database"
        )
