"""The Webex port: the two halves the core sees of any Webex backend.

::

    commands ──► WebexMeetings ──► backend          (asked: create, get, live state…)
    backend  ──► WebexFeed ──► Intake ──► core      (told: what changed)

- :class:`WebexMeetings` is what the ``/webex`` commands need: create, update,
  get and delete a meeting, the live state of one meeting, the site's
  capabilities. One call, one answer.
- :class:`WebexFeed` is how a backend learns what changed and tells the core:
  it runs periodic jobs (the XML API polls its listings) and, for a push
  backend, takes deliveries (the REST API's webhooks); either way it hands
  :class:`~state.model.Observation` batches to ONE :class:`Intake`. Polling and
  webhooks are two feeders of the same door.
- :class:`Intake` is that door, implemented by the core: it stores the
  observations, produces the lifecycle events, wakes the dispatcher and counts
  them. Nothing else writes observations.
- :class:`StoreView` is the narrow, read-only view of what the core knows that a
  feed may read (which meetings and hosts are watched, what is live), passed
  to the feed, so no backend imports ``bot/`` or writes the store.

The contract, for every implementation:

- Values are :mod:`adapters.webex.models` (backend-neutral: opaque meeting
  keys, IANA zones, opaque host identities) and :mod:`state.model`; every
  datetime is timezone-aware.
- Failures are :mod:`adapters.errors` exceptions only, never a library's:
  :class:`~adapters.errors.NotFoundError` for a meeting that does not exist,
  :class:`~adapters.errors.RateLimitedError` to slow down (``retry_after``, and
  ``until`` when the site blocks calls up to a known instant),
  :class:`~adapters.errors.CredentialsError` (never retried automatically),
  :class:`~adapters.errors.AccessDeniedError`,
  :class:`~adapters.errors.StartInPastError`,
  :class:`~adapters.errors.PrivateMeetingUnsupportedError`, and
  :class:`~adapters.errors.WebexTransportError` for an answer that never came
  (worth retrying later). The backend's own code is the error's ``detail``.
- Observations carry what the backend knows and None for everything else;
  ``authority`` says what kind of evidence they are (see
  :class:`state.model.Authority`). A batch that is a COMPLETE listing of a
  scope is handed over with that scope, so absence from it counts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from adapters.webex.models import (
    Capabilities,
    CreatedMeeting,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from state.model import Event, ListingScope, MeetingSnapshot, Observation

__all__ = [
    "FeedJob",
    "Heartbeat",
    "Intake",
    "PushFeed",
    "StoreView",
    "WebexFeed",
    "WebexMeetings",
]


class WebexMeetings(Protocol):
    """What the commands need of one Webex site, seen through one account.

    Meeting keys are opaque strings, as :meth:`create_meeting` returned them or as
    the feed observed them. Every method may raise the errors of the module's
    contract; none raises anything else for a Webex failure.
    """

    async def capabilities(self) -> Capabilities:
        """What the site lets the bot do (may be cached after the first success)."""
        ...

    async def create_meeting(self, request: MeetingRequest) -> CreatedMeeting:
        """Schedule a meeting.

        Raises:
            StartInPastError: the start is in the past by the site's clock.
            PrivateMeetingUnsupportedError: ``private`` asked for; the site has no
                meeting type that allows it.
            AccessDeniedError: the account may not schedule for ``request.host``.
        """
        ...

    async def update_meeting(self, meeting_key: str, request: MeetingRequest) -> None:
        """Replace the schedule and options of an existing meeting.
        Raises NotFoundError, StartInPastError, PrivateMeetingUnsupportedError."""
        ...

    async def get_meeting(self, meeting_key: str) -> MeetingDetails:
        """The meeting as scheduled (no live state). Raises NotFoundError."""
        ...

    async def delete_meeting(self, meeting_key: str) -> None:
        """Delete (cancel) the meeting. Raises NotFoundError."""
        ...

    async def live_state(self, meeting_key: str) -> LiveState:
        """A direct answer about one meeting now: in progress, host and attendees
        present, locked, private, title, host, start, duration, join url (None
        where the backend does not know).

        Raises:
            NotFoundError: no such meeting.
            RateLimitedError: look-ups are refused for now; ``until`` when the site
                says up to when.
        """
        ...

    async def close(self) -> None:
        """Release the backend's connections. Idempotent."""
        ...


class StoreView(Protocol):
    """What a feed may read of what the core knows. Read-only."""

    async def snapshots(
        self, *, active_only: bool = True, now: datetime | None = None
    ) -> list[MeetingSnapshot]:
        """Known meetings by start time; ``active_only`` drops cancelled and ended
        ones and, when ``now`` is given, stale ones."""
        ...

    async def live_snapshots(self, now: datetime, horizon: timedelta) -> list[MeetingSnapshot]:
        """Meetings in progress, and those not ended starting by ``now + horizon``."""
        ...

    async def watched_hosts(self) -> tuple[bool, frozenset[str]]:
        """(whether some channel watches every meeting, the watched hosts, casefolded)."""
        ...

    async def watched(self) -> tuple[bool, frozenset[str], frozenset[str]]:
        """:meth:`watched_hosts` and the meeting keys channels watch by key."""
        ...


class Intake(Protocol):
    """The one door into the core (implemented in ``bot/intake/``).

    Every producer of observations (a polling job, a webhook delivery) calls
    :meth:`observe`; the intake stores them in one transaction, produces the
    lifecycle events, wakes the dispatcher for them and counts them. The time-
    driven rules (starting soon, waiting for the host…) run from :meth:`tick`.
    """

    async def observe(
        self,
        observations: Sequence[Observation],
        *,
        now: datetime,
        listing: ListingScope | None = None,
        listed: Collection[str] = (),
        settle_running_before: datetime | None = None,
    ) -> list[Event]:
        """Take one batch and return the events it produced.

        Args:
            observations: what the backend saw; several for one key apply in order.
            listing: ONLY for a complete listing: its scope. Known live meetings in
                it that neither an observation nor ``listed`` mentions count one
                absence; two in a row make them gone.
            listed: with ``listing``: keys the listing showed that are not in
                ``observations`` (unchanged since the last listing); present,
                nothing more.
            settle_running_before: while a store without history takes its
                first look: a meeting first seen in progress whose scheduled
                start is before this is recorded as running, not announced.

        Raises ``state.errors.StoreError`` when the store failed: nothing of the
        batch was taken, the feeder should try again later.
        """
        ...

    async def tick(self, *, now: datetime) -> list[Event]:
        """Run the time-driven rules at ``now`` and return the events produced."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    """What a job's success shows: the backend reachable for ``within`` (the
    runner reports ``detail``; past ``within`` without one, ``expired``)."""

    within: timedelta
    detail: str
    expired: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedJob:
    """One periodic job of a feed.

    ``run(now)`` does one round: it asks the backend and hands what it learned to
    the feed's intake, and may return the events the intake produced. It may
    raise the module's errors (and StoreError from the intake); the runner in
    ``bot/watch/`` counts failures, backs off, pauses every job for a
    RateLimitedError's ``retry_after`` and stops them all after a
    CredentialsError. ``name`` is the job's name in logs, health and metrics;
    ``timeout`` bounds one run (None: the runner's default); ``heartbeat``, when
    set, is what a successful run says about the backend's health.

    ``catch_up`` says what happens to a run that comes due while the previous
    one still runs. Off (the default), it is skipped and the job runs again one
    interval later: right for a job whose runs may take most of an interval
    (a discovery on a large site), which would otherwise run back to back. On,
    it starts as soon as the previous one ends (one, however many came due):
    for a short job whose lateness users see, like a live poll, so a run that
    overran delays the next by the overrun, not by a whole interval.
    """

    name: str
    interval: timedelta
    run: Callable[[datetime], Awaitable[Sequence[Event] | None]]
    timeout: timedelta | None = None
    heartbeat: Heartbeat | None = None
    catch_up: bool = False


class WebexFeed(Protocol):
    """How a backend tells the core what changed.

    Built with the :class:`Intake` it feeds and a :class:`StoreView` it may read;
    it writes nothing else. A polling backend's work is all in :meth:`jobs`; a
    push backend also implements :class:`PushFeed`.
    """

    def jobs(self) -> Sequence[FeedJob]:
        """The periodic jobs to run, each at its interval (may be empty)."""
        ...


class PushFeed(WebexFeed, Protocol):
    """A feed that also takes deliveries (webhooks) through the service's HTTP front."""

    async def take_delivery(self, body: bytes, headers: Mapping[str, str]) -> int:
        """Verify and take one delivery: observations go to the intake. Returns the
        HTTP status to answer (e.g. 204 taken, 401 bad signature, 400 unreadable);
        never raises for a bad delivery."""
        ...
