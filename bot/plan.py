"""What each poll should ask Webex, decided from what the store knows. Pure.

- Discovery lists sessions from ``lookback`` ago to ``lookahead`` ahead: per
  subscribed host where subscriptions name hosts, site-wide (paged by the
  client) when any subscription watches ``all``. Cisco warns that site-wide
  LstsummarySession is slow for large sites, so named hosts are preferred.
- The live poll cares about sessions in progress or due within ``horizon``
  (and late ones, whose start passed but whose scheduled end has not). One
  in-progress listing covers all of them for status and presence; the scarce
  GetSessionInfo calls go to the most valuable sessions first: attendees
  waiting for the host, then sessions in progress, then imminent ones; within
  a tier, the one asked about longest ago goes first, so a short budget still
  rotates through every session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from state.model import MeetingSnapshot

__all__ = [
    "ListingQuery",
    "discovery_queries",
    "live_candidates",
    "live_queries",
    "rank_for_session_info",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingQuery:
    """One LstsummarySession query (all pages). ``host_webex_id`` None = site-wide."""

    start_from: datetime
    start_to: datetime
    host_webex_id: str | None = None

    def __post_init__(self) -> None:
        if self.start_to < self.start_from:
            raise ValueError("a listing window must not end before it starts")


def discovery_queries(
    *,
    any_all: bool,
    hosts: Iterable[str],
    now: datetime,
    lookback: timedelta,
    lookahead: timedelta,
) -> list[ListingQuery]:
    """The listings one discovery cycle makes (empty when nobody is watched)."""
    start_from, start_to = now - lookback, now + lookahead
    if any_all:
        return [ListingQuery(start_from=start_from, start_to=start_to)]
    return [
        ListingQuery(start_from=start_from, start_to=start_to, host_webex_id=h)
        for h in sorted(set(hosts))
    ]


def _is_candidate(s: MeetingSnapshot, now: datetime, horizon: timedelta) -> bool:
    if s.cancelled:
        return False
    if s.in_progress:
        return True
    return s.ended_at is None and s.start - horizon <= now < s.scheduled_end


def live_candidates(
    snapshots: Iterable[MeetingSnapshot], *, now: datetime, horizon: timedelta
) -> list[MeetingSnapshot]:
    """Sessions the live poll watches: in progress, or due within ``horizon``
    and not yet past their scheduled end."""
    return [s for s in snapshots if _is_candidate(s, now, horizon)]


def live_queries(
    candidates: Iterable[MeetingSnapshot],
    *,
    any_all: bool,
    now: datetime,
    lookback: timedelta,
    horizon: timedelta,
) -> list[ListingQuery]:
    """The in-progress listings that cover every candidate.

    The window starts early enough to include the earliest candidate's start
    (a meeting may run past ``lookback``) and ends ``horizon`` ahead, or later
    if a candidate (started early) is scheduled later than that.
    """
    chosen = list(candidates)
    if not chosen:
        return []
    start_from = min([now - lookback, *(s.start for s in chosen)])
    # A session started early still starts later than now: the window must
    # reach it, or its absence would read as "ended".
    start_to = max([now + horizon, *(s.start + timedelta(minutes=1) for s in chosen)])
    if any_all:
        return [ListingQuery(start_from=start_from, start_to=start_to)]
    hosts = sorted({s.host_webex_id for s in chosen if s.host_webex_id})
    return [ListingQuery(start_from=start_from, start_to=start_to, host_webex_id=h) for h in hosts]


def _tier(s: MeetingSnapshot) -> int:
    if s.in_progress and s.attendees_present and not s.host_present:
        return 0
    if s.in_progress:
        return 1
    return 2


def rank_for_session_info(
    candidates: Iterable[MeetingSnapshot],
    last_asked: Mapping[str, datetime],
) -> list[MeetingSnapshot]:
    """Candidates, most valuable first (see the module docstring).

    Args:
        candidates: from :func:`live_candidates`.
        last_asked: when GetSessionInfo last answered about each key; keys never
            asked about sort first within their tier.
    """

    def key(s: MeetingSnapshot) -> tuple[int, float, float, str]:
        asked = last_asked.get(s.key)
        return (
            _tier(s),
            asked.timestamp() if asked is not None else float("-inf"),
            s.start.timestamp(),
            s.key,
        )

    return sorted(candidates, key=key)
