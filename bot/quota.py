"""How many thread replies one meeting may post to one channel in an hour. Pure.

A meeting whose changes come faster than people read them (a schedule that
flip-flops, a host who drops out every minute) must not flood a channel. Each
(meeting, channel) pair may post ``per_hour`` replies in any rolling hour; past
that its changes only update its card in place (the card always shows the
latest state) until the hour has room again. The dispatcher asks
:meth:`ReplyQuota.check` before a reply and :meth:`ReplyQuota.spend` after one
reached the chat; time is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["REPLIES_PER_HOUR", "ReplyQuota", "Verdict"]

#: A busy but ordinary meeting posts about ten replies: scheduled, starting
#: soon, started, host joined, attendees waiting, host left and back, locked,
#: unlocked, ended.
REPLIES_PER_HOUR = 12
_WINDOW = timedelta(hours=1)

Key = tuple[str, str]  # (meeting key, channel)


class Verdict(StrEnum):
    POST = "post"
    #: The first reply refused in this stretch: the caller logs it, once.
    CAP_BEGINS = "cap_begins"
    CAPPED = "capped"


@dataclass(slots=True, kw_only=True)
class ReplyQuota:
    """Replies per (meeting, channel) in a rolling window.

    Attributes:
        per_hour: replies allowed per ``window``.
        window: the rolling window (an hour).
        max_tracked: pairs remembered at most; the least recently used goes
            first, so the memory stays bounded however many meetings pass.
    """

    per_hour: int = REPLIES_PER_HOUR
    window: timedelta = _WINDOW
    max_tracked: int = 10_000
    _sent: dict[Key, deque[datetime]] = field(default_factory=dict)
    _capped: set[Key] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.per_hour < 1:
            raise ValueError("per_hour must be at least 1")
        if self.window <= timedelta(0) or self.max_tracked < 1:
            raise ValueError("window and max_tracked must be positive")

    def check(self, key: Key, now: datetime) -> Verdict:
        """Whether ``key`` may post a reply at ``now``. Changes nothing but the
        "cap begins" flag."""
        recent = self._recent(key, now)
        if recent is None or len(recent) < self.per_hour:
            self._capped.discard(key)
            return Verdict.POST
        if key in self._capped:
            return Verdict.CAPPED
        self._capped.add(key)
        return Verdict.CAP_BEGINS

    def spend(self, key: Key, now: datetime) -> None:
        """A reply of ``key`` reached the chat at ``now``."""
        recent = self._sent.pop(key, None) or deque()
        recent.append(now)
        self._sent[key] = recent  # re-inserted: now the most recently used
        while len(self._sent) > self.max_tracked:
            oldest = next(iter(self._sent))
            del self._sent[oldest]
            self._capped.discard(oldest)

    def _recent(self, key: Key, now: datetime) -> deque[datetime] | None:
        recent = self._sent.get(key)
        if recent is None:
            return None
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        return recent
