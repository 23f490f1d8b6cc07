"""One active replica among several: watch and deliver only while holding the lease.

Every replica serves ``/slack/events``, ``/healthz`` and ``/metrics``. The one
holding the lease (see :mod:`state.store_lease`) is *active*: it also runs the
watcher and the dispatcher. The others are *standby*: they try to take the
lease every ``check_every`` seconds and take over when it expires.

Rules:

1. A standby becomes active only with a term the database granted, and its
   watch is built with that term's fence: every write the watch makes checks
   the term's epoch in the same transaction, and nothing is sent to the chat
   once the term may have ended by this process's clock (a process paused
   between claiming a delivery and sending it must not send it after a
   standby took over).
2. The active replica steps down, stopping its watch at once, the first time a
   renewal fails, is refused, or cannot answer before the term's local
   deadline. It never acts on a term it cannot vouch for; it may take the
   lease again later, under a new epoch, like any standby.
3. On stop, the active replica stops its watch, then releases the lease so a
   standby takes over without waiting for the expiry.

Timing (:class:`LeaseTiming`): a term lasts ``ttl`` = the poll interval + 2 s and
is renewed every ``ttl / 4``; a standby checks every ``ttl / 4`` (with jitter).
A replica that dies or loses its database is replaced within ``ttl`` +
``check_every`` = 1.25 × (poll interval + 2 s), inside the promised
2 × poll interval + 5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, Self

from state.errors import StoreError
from state.store_lease import Fence, Term

__all__ = ["Lease", "LeaseTiming", "Replica", "Role", "Watch"]

logger = logging.getLogger("meetbot.replica")


class Role(StrEnum):
    ACTIVE = "active"
    STANDBY = "standby"


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaseTiming:
    """How long a term lasts and how often it is renewed or looked for (seconds)."""

    ttl: float
    renew_every: float
    check_every: float

    def __post_init__(self) -> None:
        if not 0 < self.renew_every < self.ttl:
            raise ValueError("renew_every must be positive and shorter than ttl")
        if self.check_every <= 0:
            raise ValueError("check_every must be positive")

    @classmethod
    def for_poll_interval(cls, poll_interval: float) -> LeaseTiming:
        ttl = poll_interval + 2.0
        return cls(ttl=ttl, renew_every=ttl / 4, check_every=ttl / 4)


class Lease(Protocol):
    """What :class:`state.store_lease.PgLease` offers; failures raise StoreError."""

    async def acquire(self) -> Term | None: ...

    async def renew(self, term: Term, *, within: float | None = None) -> Term | None: ...

    async def release(self, term: Term) -> None: ...

    def fence(self, term: Term) -> Fence: ...

    async def close(self) -> None: ...


class Watch(Protocol):
    """What runs while active (:class:`bot.watch.service.WatchService`)."""

    @property
    def running(self) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self, grace: float = ...) -> None: ...


#: Called on every change of role, with the epoch of the term (None on standby).
OnRole = Callable[[Role, int | None], None]


class Replica:
    """Holds the lease when it can and runs a watch for each term of office.

    Args:
        lease: the shared lease.
        watch_for: builds a fresh watch for a term, from that term's fence.
        timing: see :class:`LeaseTiming`.
        on_role: told of each change of role; must not raise.
        stop_grace: seconds the watch is given to finish its work in progress
            when stepping down or stopping.
        draw: random numbers in [0, 1), to spread the standbys' checks.

    Attributes:
        role: the current role.
        epoch: the current term's epoch while active, else None.
        terms: how many terms this replica has begun.
    """

    def __init__(
        self,
        *,
        lease: Lease,
        watch_for: Callable[[Fence], Watch],
        timing: LeaseTiming,
        on_role: OnRole | None = None,
        stop_grace: float = 2.0,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._lease = lease
        self._watch_for = watch_for
        self._timing = timing
        self._on_role = on_role
        self._stop_grace = stop_grace
        self._draw = draw
        self.role = Role.STANDBY
        self.epoch: int | None = None
        self.terms = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unavailable = False
        self._watch: Watch | None = None

    @property
    def reachable(self) -> bool:
        """False from a lease call that found the database gone until one that
        reached it: a standby's only regular contact with the database."""
        return not self._unavailable

    def healthy(self) -> bool:
        """True while the replica runs: standing by, or active with its watch running."""
        if self._task is None or self._task.done():
            return False
        return self.role is Role.STANDBY or (self._watch is not None and self._watch.running)

    async def __aenter__(self) -> Self:
        self._stop.clear()
        self._task = asyncio.get_running_loop().create_task(self.run(), name="replica")
        return self

    async def __aexit__(self, *_: object) -> None:
        self._stop.set()
        task, self._task = self._task, None
        try:
            if task is not None:
                await task
        finally:
            await self._lease.close()

    async def run(self) -> None:
        """Stand by, serve terms, until stopped. Never raises (except cancellation)."""
        while not self._stop.is_set():
            term = await self._try_acquire()
            if term is None:
                wait = self._timing.check_every * (0.75 + 0.5 * self._draw())
                await self._sleep(wait)
                continue
            try:
                await self._serve(term)
            # The loop boundary: a watch that failed to start must not end the
            # replica; it stands by and tries again later.
            except Exception:
                logger.exception("the watch of lease epoch %d failed", term.epoch)
                await self._sleep(self._timing.check_every)

    async def _try_acquire(self) -> Term | None:
        try:
            term = await self._lease.acquire()
        except StoreError as e:
            if not self._unavailable:
                logger.warning("standing by: cannot reach the replica lease: %s", e)
            self._unavailable = True
            return None
        if self._unavailable:
            logger.info("the replica lease is reachable again")
        self._unavailable = False
        return term

    async def _serve(self, term: Term) -> None:
        """One term of office: watch until the term cannot be renewed, or stop."""
        self.terms += 1
        held: list[Term | None] = [term]  # this term as last renewed; None once over

        def live() -> bool:
            current = held[0]
            return current is not None and current.remaining() > 0

        fence = replace(self._lease.fence(term), live=live)
        watch = self._watch = self._watch_for(fence)
        self._set_role(Role.ACTIVE, term.epoch)
        logger.info("this replica is now active (lease epoch %d)", term.epoch)
        current: Term | None = term
        try:
            await watch.start()
            while current is not None and not self._stop.is_set():
                await self._sleep(min(self._timing.renew_every, max(0.0, current.remaining())))
                if self._stop.is_set():
                    break
                current = held[0] = await self._renew(current)
        finally:
            held[0] = None  # nothing more leaves under this term, whatever is in progress
            await watch.stop(self._stop_grace)
            self._watch = None
            self._set_role(Role.STANDBY, None)
        if current is not None:
            with contextlib.suppress(StoreError):
                await self._lease.release(current)
            logger.info("released the replica lease (epoch %d)", current.epoch)
        else:
            logger.warning("lost the replica lease (epoch %d); standing by", term.epoch)

    async def _renew(self, term: Term) -> Term | None:
        left = term.remaining()
        if left <= 0:
            logger.warning("the lease's epoch %d ran out before it was renewed", term.epoch)
            return None
        try:
            renewed = await self._lease.renew(term, within=left)
        except StoreError as e:
            logger.warning("cannot renew the replica lease (epoch %d): %s", term.epoch, e)
            self._unavailable = True
            return None
        if renewed is None:
            logger.warning("the lease's epoch %d is over: another replica took over", term.epoch)
        return renewed

    def _set_role(self, role: Role, epoch: int | None) -> None:
        self.role, self.epoch = role, epoch
        if self._on_role is not None:
            self._on_role(role, epoch)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
