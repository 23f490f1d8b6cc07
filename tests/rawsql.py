"""Raw SQL against a store's database, whichever kind, behind the store's back:
to plant faults and to read what was really written."""

from __future__ import annotations

import sqlite3

import asyncpg

from state.store_runner import database_path

__all__ = ["IntegrityError", "raw"]

#: What a violated unique or foreign key raises, from either database.
IntegrityError = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


async def raw(url: str, sql: str) -> list[tuple[object, ...]]:
    """Run one statement in its own committed transaction; returns its rows."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(database_path(url), timeout=10) as conn:
            rows = conn.execute(sql).fetchall()
        conn.close()
        return rows
    pg = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await pg.fetch(sql)]
    finally:
        await pg.close()
