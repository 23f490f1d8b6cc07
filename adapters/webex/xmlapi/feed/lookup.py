"""The XML feed's direct look-ups: GetSessionInfo within the account's budget.

The feed asks for two reasons: to confirm sessions that just missed a complete
listing (not found settles them at once) and, every live poll, for the live
sessions the budget allows, most valuable first. Both go through
:class:`DirectLookups`, which takes the budget's tokens, holds the site's 403
block (:class:`~adapters.webex.xmlapi.errors.SessionInfoBlockedError`) in the
budget, remembers when each session was last asked and hands the answers to
the intake.
"""

from __future__ import annotations

import logging
from datetime import datetime

from adapters.errors import NotFoundError
from adapters.webex.port import Intake
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.feed.observe import from_session_info, not_found
from adapters.webex.xmlapi.feed.plan import rank_for_session_info
from adapters.webex.xmlapi.models import SessionInfo, SessionRef
from adapters.webex.xmlapi.source import XmlSessionSource
from state.clock import Clock
from state.model import Event, MeetingSnapshot, Observation

__all__ = ["DirectLookups"]

log = logging.getLogger("meetbot.webex.xmlapi")


class DirectLookups:
    """GetSessionInfo for the feed, paid from ``budget``; answers go to ``intake``."""

    def __init__(
        self,
        *,
        source: XmlSessionSource,
        budget: SessionInfoBudget,
        intake: Intake,
        clock: Clock,
    ) -> None:
        self._source = source
        self._budget = budget
        self._intake = intake
        self._clock = clock
        self._last_asked: dict[str, datetime] = {}

    def blocked(self, now: datetime) -> bool:
        """True while the site refuses GetSessionInfo."""
        return self._budget.blocked(now)

    def reopen(self, now: datetime) -> None:
        """End the site's block once its time is over (logged once)."""
        if self._budget.unblock_if_over(now):
            log.info("GetSessionInfo block is over; polling sessions directly again")

    async def confirm(
        self, suspects: list[str], now: datetime, *, settle_before: datetime | None
    ) -> list[Event]:
        """Look up as many of ``suspects`` (keys, in order) as the budget allows."""
        granted = self._budget.take(len(suspects), now) if suspects else 0
        if granted == 0:
            return []
        return await self._ask(suspects[:granted], now, settle_before)

    async def poll(
        self, candidates: list[MeetingSnapshot], now: datetime, *, settle_before: datetime | None
    ) -> list[Event]:
        """Look up the live ``candidates`` the budget allows, most valuable first."""
        # Forget sessions that left the live set, so the map stays small.
        live = {c.key for c in candidates}
        for key in [k for k in self._last_asked if k not in live]:
            del self._last_asked[key]
        ranked = rank_for_session_info(candidates, self._last_asked)
        granted = self._budget.take(len(ranked), now)
        if granted == 0:
            return []
        chosen = ranked[:granted]
        return await self._ask([c.key for c in chosen], now, settle_before)

    async def _ask(
        self, keys: list[str], now: datetime, settle_before: datetime | None
    ) -> list[Event]:
        """GetSessionInfo for ``keys`` (tokens already taken) and observe the answers."""
        try:
            answers = await self._source.get_session_infos([SessionRef.by_key(k) for k in keys])
        except SessionInfoBlockedError as e:
            if self._budget.block(e.until, now):
                log.warning(
                    "GetSessionInfo blocked by the site until %s; working from listings",
                    e.until.isoformat(),
                )
            return []
        observations: list[Observation] = []
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, SessionInfo):
                self._last_asked[key] = now
                observations.append(from_session_info(answer))
            elif isinstance(answer, NotFoundError):
                self._last_asked[key] = now
                observations.append(not_found(key))
            else:
                log.info("GetSessionInfo for one session failed: %s", answer)
        if not observations:
            return []
        return await self._intake.observe(
            observations, now=self._clock(), settle_running_before=settle_before
        )
