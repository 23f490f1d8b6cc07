"""The one door into the core: every observation of Webex comes in here.

:class:`CoreIntake` implements :class:`adapters.webex.port.Intake`. A feed (the
XML API's polling jobs, a webhook delivery) hands it a batch; it stores the
batch in one transaction (the lifecycle rules turn what changed into events),
wakes the dispatcher when events were produced and counts them. The
time-driven rules run from :meth:`CoreIntake.tick` on the same path. Nothing
else writes observations to the store, so whatever a backend's feeder, the
core reacts to it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from state.model import Event, ListingScope, Observation, Rules
from state.store import Store

__all__ = ["CoreIntake"]


class CoreIntake:
    """Store, events, nudge, count: for every batch, whoever brings it.

    Args:
        store: where observations are applied (one transaction per batch).
        rules: the lifecycle's timing rules.
        nudge: wakes the dispatcher; called once per batch that produced events.
        on_events: told of every batch's events (e.g. the events counter); must
            not raise.
    """

    def __init__(
        self,
        *,
        store: Store,
        rules: Rules,
        nudge: Callable[[], None] | None = None,
        on_events: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        self._store = store
        self._rules = rules
        self._nudge = nudge
        self._on_events = on_events

    @property
    def rules(self) -> Rules:
        return self._rules

    async def observe(
        self,
        observations: Sequence[Observation],
        *,
        now: datetime,
        listing: ListingScope | None = None,
        listed: Collection[str] = (),
        settle_running_before: datetime | None = None,
    ) -> list[Event]:
        """Apply one batch (see :meth:`adapters.webex.port.Intake.observe`).
        Raises StoreError, having taken nothing, when the store failed."""
        rules = self._rules
        if settle_running_before is not None:
            rules = replace(rules, settle_running_before=settle_running_before)
        events = await self._store.observe(
            observations, now=now, rules=rules, listing=listing, listed=listed
        )
        self._announce(events)
        return events

    async def tick(self, *, now: datetime) -> list[Event]:
        """Run the time-driven rules at ``now``; returns the events produced."""
        events = await self._store.tick(now=now, rules=self._rules)
        self._announce(events)
        return events

    def _announce(self, events: Sequence[Event]) -> None:
        if not events:
            return
        if self._nudge is not None:
            self._nudge()
        if self._on_events is not None:
            self._on_events(events)
