"""The one door: a batch is stored, its events come back, the dispatcher is
woken and the events are counted, whichever feeder brought it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.webex.port import Intake
from bot.intake import CoreIntake
from state.model import Authority, Event, EventKind, ListingScope, Observation, Rules
from state.store import Store, open_store

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
START = NOW + timedelta(minutes=30)


def listed(key: str, **fields: Any) -> Observation:
    values: dict[str, Any] = {
        "title": "Weekly",
        "host_id": "alice",
        "start": START,
        "duration_minutes": 30,
        "in_progress": False,
    }
    values.update(fields)
    return Observation(key=key, authority=Authority.SCHEDULE, **values)


class Door:
    """A CoreIntake on a real in-memory store that remembers its nudges and counts."""

    def __init__(self, store: Store) -> None:
        self.nudges = 0
        self.counted: list[Sequence[Event]] = []
        self.intake: Intake = CoreIntake(
            store=store,
            rules=Rules(starting_soon_lead=timedelta(minutes=10)),
            nudge=self._nudge,
            on_events=self.counted.append,
        )

    def _nudge(self) -> None:
        self.nudges += 1


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    async with await open_store("sqlite:///:memory:") as opened:
        yield opened


async def test_a_batch_is_stored_and_its_events_wake_the_dispatcher(store: Store) -> None:
    door = Door(store)
    events = await door.intake.observe([listed("100"), listed("200")], now=NOW)
    assert sorted((e.meeting_key, e.kind) for e in events) == [
        ("100", EventKind.SCHEDULED),
        ("200", EventKind.SCHEDULED),
    ]
    assert door.nudges == 1 and door.counted == [events]
    assert {s.key for s in await store.snapshots(active_only=True)} == {"100", "200"}


async def test_a_batch_that_changes_nothing_wakes_no_one(store: Store) -> None:
    door = Door(store)
    await door.intake.observe([listed("100")], now=NOW)
    again = await door.intake.observe([listed("100")], now=NOW + timedelta(seconds=20))
    assert again == [] and door.nudges == 1 and len(door.counted) == 1


async def test_absence_from_complete_listings_counts_through_the_door(store: Store) -> None:
    door = Door(store)
    scope = ListingScope(start_from=NOW, start_to=NOW + timedelta(days=1))
    await door.intake.observe([listed("100")], now=NOW)
    first = await door.intake.observe([], now=NOW + timedelta(minutes=1), listing=scope)
    second = await door.intake.observe([], now=NOW + timedelta(minutes=2), listing=scope)
    assert first == []
    assert [(e.meeting_key, e.kind) for e in second] == [("100", EventKind.CANCELLED)]
    assert door.nudges == 2


async def test_the_tick_goes_through_the_same_door(store: Store) -> None:
    door = Door(store)
    await door.intake.observe([listed("100")], now=NOW)
    due = await door.intake.tick(now=START - timedelta(minutes=9))
    assert [(e.meeting_key, e.kind) for e in due] == [("100", EventKind.STARTING_SOON)]
    assert door.nudges == 2 and door.counted[-1] == due
