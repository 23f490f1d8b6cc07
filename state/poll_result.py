"""How a poll result or a tick becomes transitions, for every store: the loops
around the pure lifecycle rules, without the reads and writes around them.

Each function takes the snapshots the store loaded (``current``, updated in
place to each key's final snapshot) and returns the transitions in order;
:func:`changes` then says what a store must write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from state.lifecycle import Transition, evolve, missed, missing_from_listing, tick
from state.model import Event, ListingScope, MeetingSnapshot, Observation, Rules

__all__ = ["apply_absences", "apply_observations", "apply_ticks", "changes"]


def _keep(results: list[Transition], current: dict[str, MeetingSnapshot]) -> None:
    snapshot = results[-1].snapshot
    if snapshot is not None:
        current[snapshot.key] = snapshot


def apply_observations(
    observations: Sequence[Observation],
    current: dict[str, MeetingSnapshot],
    now: datetime,
    rules: Rules,
) -> list[Transition]:
    """Each observation in order against the key's latest snapshot."""
    results: list[Transition] = []
    for observation in observations:
        results.append(evolve(current.get(observation.key), observation, now, rules))
        _keep(results, current)
    return results


def apply_absences(
    known: Mapping[str, MeetingSnapshot],
    listing: ListingScope,
    seen: set[str],
    current: dict[str, MeetingSnapshot],
    now: datetime,
    rules: Rules,
) -> list[Transition]:
    """One absence for each ``known`` session in the listing's scope it did not show."""
    results: list[Transition] = []
    for key in missing_from_listing(known.values(), listing, seen):
        results.append(missed(known[key], now, rules))
        _keep(results, current)
    return results


def apply_ticks(
    due: Iterable[MeetingSnapshot], current: dict[str, MeetingSnapshot], now: datetime, rules: Rules
) -> list[Transition]:
    """The time-driven rules over ``due``."""
    results: list[Transition] = []
    for snapshot in due:
        results.append(tick(snapshot, now, rules))
        _keep(results, current)
    return results


def changes(results: Sequence[Transition]) -> tuple[list[str], list[Event]]:
    """(keys whose snapshot changed, sorted; the events in order). Both empty
    means: write nothing."""
    changed = {r.snapshot.key for r in results if r.changed and r.snapshot is not None}
    return sorted(changed), [e for r in results for e in r.events]
