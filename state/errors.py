"""Errors raised by state/: the store's one failure type.

sqlite3 and sqlite-utils exceptions are caught inside state/store*.py and
re-raised as :class:`StoreError` ``from`` the original, so callers handle one
type whatever the database did.
"""

from __future__ import annotations

__all__ = ["FencedError", "StoreError", "StoreLockedError"]


class StoreError(Exception):
    """The embedded database failed (I/O, corruption, a migration that did not apply,
    a row that no longer decodes)."""


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
