"""The watcher, its schedule and the dispatcher, wired together.

A composition root builds the XmlSessionSource, the Store and the ChatPort, then::

    async with WatchService(source=..., store=..., chat=..., rules=..., clock=now):
        await stop_event.wait()

Entering starts the scheduler (which needs the running loop) and the
dispatcher; leaving stops the scheduler first (no new polls), then lets the
dispatcher finish its delivery in progress. The caller still owns, and closes,
the source, the store and the chat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from adapters.chat import ChatPort
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.source import XmlSessionSource
from bot.health import HealthRegistry
from bot.intake import CoreIntake
from bot.notify.dispatcher import Dispatcher, OnAccess, OnDelivered
from bot.watch.schedule import JobObserver, Scheduler
from bot.watch.watcher import Watcher, WatchSettings
from state.clock import Clock
from state.model import Event, Rules
from state.store import Store

__all__ = ["WatchService"]


class WatchService:
    """Polls one Webex site and delivers what changes to one chat.

    Args:
        source: the Webex site.
        store: the meeting store.
        chat: where notifications go.
        rules: lifecycle rules.
        clock: returns the current aware UTC time.
        settings: watcher intervals and windows.
        sessioninfo_hourly_budget: WEBEX_SESSIONINFO_HOURLY_BUDGET.
        budget: a bucket to share instead of a new one of
            ``sessioninfo_hourly_budget`` (e.g. with the watches of later
            terms of office, see :mod:`bot.watch.replica`).
        may_send: see :class:`bot.notify.dispatcher.Dispatcher` (a replica's term
            fence's ``live``).
        dispatch_interval: seconds between outbox checks when not nudged.
        max_attempts: delivery attempts before a dead letter.
        on_delivered: called per delivered delivery with the chat's ack time
            (e.g. ``metrics.observe_delay(d.created_at, acked)``).
        on_events: called with each batch of new events after the dispatcher
            was nudged (e.g. ``metrics.count_events``); must not raise.
        on_chat_access: told whether the chat accepts the bot's credentials
            (see :class:`bot.notify.dispatcher.Dispatcher`).
        health: where the watcher and the dispatcher report (``webex``,
            ``database``, ``dispatcher``).
        on_job: told of every periodic job's run (name, lag, duration; e.g.
            ``metrics.observe_job``); must not raise.

    Attributes:
        budget: the GetSessionInfo bucket; share it with any other caller of
            GetSessionInfo on this account, and read it for the budget gauge.
        intake: the one door into the core (stores, wakes the dispatcher, counts
            events); the watcher feeds it, and so may any other feeder (webhooks).
    """

    def __init__(
        self,
        *,
        source: XmlSessionSource,
        store: Store,
        chat: ChatPort,
        rules: Rules,
        clock: Clock,
        settings: WatchSettings | None = None,
        sessioninfo_hourly_budget: int = 500,
        budget: SessionInfoBudget | None = None,
        dispatch_interval: float = 2.0,
        max_attempts: int = 8,
        on_delivered: OnDelivered | None = None,
        on_events: Callable[[Sequence[Event]], None] | None = None,
        on_chat_access: OnAccess | None = None,
        health: HealthRegistry | None = None,
        on_job: JobObserver | None = None,
        may_send: Callable[[], bool] = lambda: True,
    ) -> None:
        self.budget = (
            budget if budget is not None else SessionInfoBudget(hourly=sessioninfo_hourly_budget)
        )
        self.dispatcher = Dispatcher(
            store=store,
            chat=chat,
            clock=clock,
            interval=dispatch_interval,
            max_attempts=max_attempts,
            on_delivered=on_delivered,
            on_access=on_chat_access,
            health=health,
            may_send=may_send,
        )
        self.intake = CoreIntake(
            store=store, rules=rules, nudge=self.dispatcher.nudge, on_events=on_events
        )
        self.watcher = Watcher(
            source=source,
            store=store,
            rules=rules,
            budget=self.budget,
            clock=clock,
            settings=settings,
            intake=self.intake,
            health=health,
        )
        self.scheduler = Scheduler(on_run=on_job)
        self.watcher.install(self.scheduler)

    @property
    def running(self) -> bool:
        """True while polling is scheduled (between start and stop)."""
        return self.scheduler.running

    async def start(self) -> None:
        """Start polling and delivering. Call from a coroutine (needs the loop)."""
        self.scheduler.start()
        self.dispatcher.start()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop polling, then stop delivering; waits up to ``grace`` s for each."""
        await self.scheduler.stop(grace)
        await self.dispatcher.stop(grace)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
