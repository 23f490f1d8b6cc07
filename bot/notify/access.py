"""Whether the chat accepts the bot's credentials, when to ask it again, and
which held deliveries are no longer worth replaying. Pure.

When Slack refuses the token (revoked, app uninstalled, account deactivated),
every call fails the same way. Spending each delivery's attempts on that would
dead-letter the whole outbox, so the dispatcher instead stops delivering
everywhere, keeps the outbox, and asks again (``auth.test``) on a long backoff;
the first accepted check resumes delivery. This object keeps that state and
does the arithmetic; the dispatcher makes the calls, logs and sleeps.

Once delivery resumes, a delivery held past ``SUMMARISE_AFTER`` whose meeting
has ended (or was cancelled) is :func:`superseded`: the meeting's card, which
says how it ended, stands in for replaying its story reply by reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.backoff import Backoff
from state.model import Delivery, MeetingSnapshot

__all__ = ["ACCESS_BACKOFF", "SUMMARISE_AFTER", "ChatAccess", "superseded"]

#: Re-checks after a refusal: 30 s, 1 min, 2 min ... then every 15 min. A token
#: is fixed by a person (reinstall, new token), so minutes are soon enough, and
#: a slow cadence keeps a revoked token from hammering the API.
ACCESS_BACKOFF = Backoff(base=30.0, factor=2.0, cap=900.0, jitter=0.2)
#: How long a delivery may be held before, its meeting being over, the card
#: stands in for it.
SUMMARISE_AFTER = timedelta(minutes=30)


def superseded(
    delivery: Delivery, snapshot: MeetingSnapshot, now: datetime, after: timedelta
) -> bool:
    """True when ``delivery`` waited at least ``after`` and its meeting is over
    (ended or cancelled): sending it now would only replay old news."""
    over = snapshot.ended_at is not None or snapshot.cancelled
    return over and now - delivery.created_at >= after


@dataclass(slots=True, kw_only=True)
class ChatAccess:
    """Accepted, or refused since ``since`` with the next check at ``next_check``.

    Attributes:
        backoff: the wait between checks while refused.
        code: the chat's refusal code (e.g. ``token_revoked``), None while accepted.
        since: when the current refusal began, None while accepted.
        checks: failed checks (including the refusal itself) in this refusal.
        next_check: when to ask again, None while accepted.
    """

    backoff: Backoff = field(default=ACCESS_BACKOFF)
    code: str | None = None
    since: datetime | None = None
    checks: int = 0
    next_check: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.code is None

    def refused(self, code: str, now: datetime, draw: float) -> bool:
        """Record a refusal (a failed delivery or a failed check) at ``now``.

        Args:
            code: the chat's error code.
            now: aware UTC.
            draw: uniform in [0, 1) for the backoff's jitter.

        Returns:
            True when this begins a refusal (so the caller logs it once).
        """
        began = self.since is None
        if began:
            self.since = now
        self.code = code
        self.checks += 1
        self.next_check = now + timedelta(seconds=self.backoff.delay(self.checks, draw))
        return began

    def unanswered(self, now: datetime, draw: float) -> None:
        """A check that got no answer (a transient failure): still refused, ask later."""
        if self.code is not None:
            self.refused(self.code, now, draw)

    def due(self, now: datetime) -> bool:
        """True while refused and the next check is due."""
        return self.next_check is not None and now >= self.next_check

    def accept(self, now: datetime) -> timedelta:
        """The credentials work again; returns how long they were refused."""
        outage = now - self.since if self.since is not None else timedelta(0)
        self.code = None
        self.since = None
        self.checks = 0
        self.next_check = None
        return outage
