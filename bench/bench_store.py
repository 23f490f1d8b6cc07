"""The store under a site-sized poll: first sight, unchanged cycles, a few changes.

Goal: an unchanged poll cycle writes zero rows, and a cycle stays well under
the poll interval for a few thousand sessions.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from state.model import Authority, ListingScope, Observation, Rules
from state.store import open_store

SESSIONS = 3000
CYCLES = 5
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RULES = Rules()
SCOPE = ListingScope(start_from=NOW - timedelta(hours=1), start_to=NOW + timedelta(days=7))


def _listing(changed: int = 0) -> list[Observation]:
    rows = []
    for i in range(SESSIONS):
        duration = 45 if i < changed else 30
        rows.append(
            Observation(
                key=str(100000 + i),
                authority=Authority.SCHEDULE,
                title=f"Meeting {i}",
                host_id=f"host{i % 50}",
                start=NOW + timedelta(minutes=30 + i),
                duration_minutes=duration,
                in_progress=False,
                host_present=False,
                attendees_present=False,
            )
        )
    return rows


async def _run(path: Path) -> None:
    async with await open_store(f"sqlite:///{path}") as store:
        await store.subscribe("C-all", "all", None)
        for h in range(10):
            await store.subscribe(f"C-host{h}", "host", f"host{h}")
        listing = _listing()
        began = time.perf_counter()
        events = await store.observe(listing, now=NOW, rules=RULES, listing=SCOPE)
        first = time.perf_counter() - began
        stats = await store.outbox_stats(NOW)
        print(
            f"   first sight of {SESSIONS}: {first * 1000:.0f} ms,"
            f" {len(events)} events, {stats[0]} outbox rows"
        )
        timings = []
        for cycle in range(CYCLES):
            before = await store.total_changes()
            now = NOW + timedelta(seconds=30 * (cycle + 1))
            began = time.perf_counter()
            await store.observe(listing, now=now, rules=RULES, listing=SCOPE)
            await store.tick(now=now, rules=RULES)
            timings.append(time.perf_counter() - began)
            written = await store.total_changes() - before
            assert written == 0, f"an unchanged cycle wrote {written} rows"
        print(
            f"   unchanged cycle (observe + tick): best {min(timings) * 1000:.0f} ms,"
            f" worst {max(timings) * 1000:.0f} ms, 0 rows written"
        )
        before = await store.total_changes()
        began = time.perf_counter()
        events = await store.observe(
            _listing(changed=20), now=NOW + timedelta(minutes=5), rules=RULES, listing=SCOPE
        )
        took = time.perf_counter() - began
        written = await store.total_changes() - before
        print(
            f"   cycle with 20 reschedules: {took * 1000:.0f} ms,"
            f" {len(events)} events, {written} rows written"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_run(Path(tmp) / "bench.db"))
