"""How many thread replies one meeting may post to one channel in an hour. Pure.

A meeting whose changes come faster than people read them (a schedule that
flip-flops, a host who drops out every minute) must not flood a channel. Each
(meeting, channel) pair may post ``per_hour`` replies in any rolling hour; past
that its changes only update its card in place (the card always shows the
latest state) until the hour has room again.

The count comes from the store (the replies its outbox recorded as delivered
since :meth:`ReplyQuota.since`), not from memory, so a restart, or a process
that crashes in a loop, starts from what the channel already got. The
dispatcher passes that count to :meth:`ReplyQuota.check` before a reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["REPLIES_PER_HOUR", "ReplyQuota", "Verdict", "verdict"]

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


def verdict(replies: int, *, per_hour: int, capped: bool) -> Verdict:
    """Whether a pair that posted ``replies`` in the window may post one more;
    ``capped`` says whether its previous change was already refused."""
    if replies < per_hour:
        return Verdict.POST
    return Verdict.CAPPED if capped else Verdict.CAP_BEGINS


@dataclass(slots=True, kw_only=True)
class ReplyQuota:
    """The cap, and which pairs are past it (only so the log says so once).

    Attributes:
        per_hour: replies allowed per ``window``.
        window: the rolling window (an hour).
        max_tracked: capped pairs remembered at most (the oldest goes first);
            forgetting one costs at most one more log line.
    """

    per_hour: int = REPLIES_PER_HOUR
    window: timedelta = _WINDOW
    max_tracked: int = 10_000
    _capped: dict[Key, None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.per_hour < 1:
            raise ValueError("per_hour must be at least 1")
        if self.window <= timedelta(0) or self.max_tracked < 1:
            raise ValueError("window and max_tracked must be positive")

    def since(self, now: datetime) -> datetime:
        """Where the window that ends at ``now`` begins (exclusive)."""
        return now - self.window

    def check(self, key: Key, replies: int) -> Verdict:
        """Whether ``key``, having posted ``replies`` since :meth:`since`, may
        post a reply now. Changes nothing but the "cap begins" flag."""
        found = verdict(replies, per_hour=self.per_hour, capped=key in self._capped)
        if found is Verdict.POST:
            self._capped.pop(key, None)
        elif found is Verdict.CAP_BEGINS:
            self._capped[key] = None
            while len(self._capped) > self.max_tracked:
                del self._capped[next(iter(self._capped))]
        return found
