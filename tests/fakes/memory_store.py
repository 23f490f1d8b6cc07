"""An in-memory stand-in for the store's subscription and snapshot calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.commands import Scope
from state.model import EventKind, MeetingSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class MemorySubscription:
    channel: str
    scope: str
    target: str | None
    kinds: frozenset[EventKind]


@dataclass
class MemoryStore:
    subs: dict[tuple[str, str, str | None], MemorySubscription] = field(default_factory=dict)
    meetings: dict[str, MeetingSnapshot] = field(default_factory=dict)

    async def subscribe(
        self, channel: str, scope: Scope, target: str | None, kinds: frozenset[EventKind]
    ) -> MemorySubscription:
        sub = MemorySubscription(channel=channel, scope=scope, target=target, kinds=kinds)
        self.subs[(channel, scope, target)] = sub
        return sub

    async def unsubscribe(self, channel: str, scope: Scope, target: str | None) -> bool:
        return self.subs.pop((channel, scope, target), None) is not None

    async def subscriptions(self, channel: str | None = None) -> Sequence[MemorySubscription]:
        return [s for s in self.subs.values() if channel is None or s.channel == channel]

    async def snapshot(self, key: str) -> MeetingSnapshot | None:
        return self.meetings.get(key)

    async def snapshots(self, active_only: bool = True) -> Sequence[MeetingSnapshot]:
        return [
            m
            for m in self.meetings.values()
            if not active_only or (not m.cancelled and m.ended_at is None)
        ]
