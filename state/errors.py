"""Errors raised by state/: the store's one failure type.

sqlite3 and sqlite-utils exceptions are caught inside state/store*.py and
re-raised as :class:`StoreError` ``from`` the original, so callers handle one
type whatever the database did.
"""

from __future__ import annotations

__all__ = ["StoreError"]


class StoreError(Exception):
    """The embedded database failed (I/O, corruption, a migration that did not apply,
    a row that no longer decodes)."""
