"""Meeting states as the REST API reports them, computed from records and ``now``.

Rules (Cisco's "Meeting States" and "Meeting Lifecycle"):

1. A series is ``inProgress`` while one of its instances is live (lobby or in
   progress), ``expired`` once every occurrence's scheduled end has passed,
   otherwise ``active``.
2. An occurrence is ``ready`` while its instance is live, and also from the
   moment the previous occurrence's scheduled end passes (the first one is
   ready at creation); before that ``scheduled``. After its own scheduled end
   it is ``ended`` if it was ever started, else ``missed``.
3. An instance is ``lobby`` while people wait in a locked meeting that no host
   (nor anyone admitted) has joined, ``inProgress`` once someone is in, then
   ``ended``.

Pure: no clock, no I/O.
"""

from __future__ import annotations

from datetime import datetime

from .records import Occurrence, Series

__all__ = ["occurrence_state", "series_state"]


def series_state(series: Series, now: datetime) -> str:
    if series.live_instance() is not None:
        return "inProgress"
    current = series.current_occurrences()
    if all(o.end <= now for o in current):
        return "expired"
    return "active"


def occurrence_state(series: Series, occurrence: Occurrence, now: datetime) -> str:
    instance = series.instance_of(occurrence)
    if instance is not None and instance.live:
        return "ready"
    if now >= occurrence.end:
        return "ended" if instance is not None else "missed"
    # A deleted occurrence (reported once, in its deletion) keeps its place.
    current = series.current_occurrences() if not occurrence.deleted else series.occurrences
    position = next(i for i, o in enumerate(current) if o is occurrence)
    if position == 0 or current[position - 1].end <= now:
        return "ready"
    return "scheduled"
