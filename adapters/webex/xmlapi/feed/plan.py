"""What each poll should ask Webex, decided from what the store knows. Pure.

- Discovery lists sessions from ``lookback`` ago to ``lookahead`` ahead, in
  parts: the near one (from ``near_back`` ago to ``near_ahead`` ahead) every
  cycle, the far ones before and after it only now and then, since what is
  scheduled days ahead can wait to be seen, and what started hours ago and
  is not running (the live poll watches what is) has little left to say. Per
  subscribed host where subscriptions name hosts, site-wide (paged by the
  client) when any subscription watches ``all``. Listings filter by webExID,
  so host emails and single-meeting subscriptions are resolved to webExIDs
  through known snapshots, and listed site-wide until they can be. Cisco warns that site-wide
  LstsummarySession is slow for large sites, so named hosts are preferred.
- The live poll cares about sessions in progress or due within ``horizon``
  (and late ones, whose start passed but whose scheduled end has not). One
  in-progress listing covers all of them for status and presence; the scarce
  GetSessionInfo calls go to the most valuable sessions first: attendees
  waiting for the host, then sessions in progress, then imminent ones; within
  a tier, the one asked about longest ago goes first, so a short budget still
  rotates through every session.
- A site-wide in-progress listing longer than one page could change between
  its pages (a meeting starts or ends), and such a listing proves nothing, so
  the live poll would be lost whenever the site is busy. The window is
  therefore cut by start time into parts that each hold at most
  ``rows_per_query`` known candidates: each part is one page, answered at
  one instant, and together they cover the window (adjacent parts share no
  start second, since the site's window includes its end).
- Where subscriptions name hosts, the live poll lists each host's sessions in
  progress. Hosts with no session believed in progress are listed only to
  notice a start; when two or more of them would be, one LstOpenSession (every
  session in progress on the site, one request) says which of them actually
  have something running, and only those are listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from adapters.webex.xmlapi.models import ListingWindow, SessionSummary
from state.model import MeetingSnapshot, Observation

__all__ = [
    "ListingQuery",
    "changed_rows",
    "discovery_queries",
    "hosts_to_check_open",
    "live_candidates",
    "live_queries",
    "prune_by_open_sessions",
    "rank_for_session_info",
    "refresh_candidates",
    "resolve_hosts",
    "split_by_start",
]

#: The resolution of a site's start times and dateScope bounds.
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingQuery:
    """One LstsummarySession query (all pages). ``host_webex_id`` None = site-wide."""

    start_from: datetime
    start_to: datetime
    host_webex_id: str | None = None
    #: Which part of discovery's window: "near", or "before" / "ahead" (the
    #: far parts); "whole" when the window is not cut. Names the listing's
    #: rows from one cycle to the next.
    part: str = "whole"

    def __post_init__(self) -> None:
        if self.start_to < self.start_from:
            raise ValueError("a listing window must not end before it starts")

    @property
    def window(self) -> ListingWindow:
        """The query as the client's batched live listings take it."""
        return ListingWindow(
            start_from=self.start_from, start_to=self.start_to, host_webex_id=self.host_webex_id
        )


def discovery_queries(
    *,
    any_all: bool,
    hosts: Iterable[str],
    now: datetime,
    lookback: timedelta,
    lookahead: timedelta,
    near_ahead: timedelta | None = None,
    near_back: timedelta | None = None,
    far: bool = True,
) -> list[ListingQuery]:
    """The listings one discovery cycle makes (empty when nobody is watched).

    With ``near_ahead`` shorter than ``lookahead`` (or ``near_back`` shorter
    than ``lookback``) the window is cut at ``now + near_ahead`` (``now -
    near_back``): the near part is always listed, the far parts ("before",
    "ahead") only when ``far`` is true."""
    start_from, start_to = now - lookback, now + lookahead
    back = start_from if near_back is None else max(now - near_back, start_from)
    ahead = start_to if near_ahead is None else min(now + max(near_ahead, timedelta(0)), start_to)
    windows = [(start_from, start_to, "whole")]
    if back > start_from or ahead < start_to:
        windows = [(back, ahead, "near")]
        if far:
            windows = [
                *([(start_from, back, "before")] if back > start_from else []),
                *windows,
                *([(ahead, start_to, "ahead")] if ahead < start_to else []),
            ]
    owners: Sequence[str | None] = [None] if any_all else sorted(set(hosts))
    return [
        ListingQuery(start_from=a, start_to=b, host_webex_id=h, part=part)
        for h in owners
        for a, b, part in windows
    ]


def changed_rows(
    rows: Iterable[SessionSummary], before: Mapping[str, SessionSummary] | None
) -> list[SessionSummary]:
    """The rows of a listing that differ from ``before`` (the same listing's rows
    last time, by key); all of them when there was no last time. An unchanged
    row says nothing the store does not know: it is neither modelled nor written."""
    if before is None:
        return list(rows)
    return [
        row
        for row in rows
        if (old := before.get(row.session_key)) is None or (old is not row and old != row)
    ]


def resolve_hosts(
    hosts: Iterable[str], meeting_keys: Iterable[str], known: Iterable[MeetingSnapshot]
) -> tuple[frozenset[str], frozenset[str]]:
    """Turn host subscriptions (webExIDs or emails) and meeting subscriptions
    into the webExIDs to list, using the snapshots the store already has.

    Returns (webExIDs, the targets that could not be resolved yet). A caller
    with unresolved targets lists the site instead, which teaches the store
    who hosts what.
    """
    by_email: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for s in known:
        if s.host_email and s.host_id:
            by_email[s.host_email.casefold()] = s.host_id
        if s.host_id:
            by_key[s.key] = s.host_id
    ids: set[str] = set()
    unresolved: set[str] = set()
    for target in hosts:
        if "@" not in target:
            ids.add(target)
        elif target.casefold() in by_email:
            ids.add(by_email[target.casefold()])
        else:
            unresolved.add(target)
    for key in meeting_keys:
        if key in by_key:
            ids.add(by_key[key])
        else:
            unresolved.add(key)
    return frozenset(ids), frozenset(unresolved)


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
    rows_per_query: int | None = None,
) -> list[ListingQuery]:
    """The in-progress listings that cover every candidate.

    The window starts early enough to include the earliest candidate's start
    (a meeting may run past ``lookback``) and ends ``horizon`` ahead, or later
    if a candidate (started early) is scheduled later than that. Site-wide
    (``any_all``) it is listed even with no candidate: what runs shows up
    without waiting for discovery, as on a first start on a big site, and cut
    by :func:`split_by_start` when ``rows_per_query`` is given.
    """
    chosen = list(candidates)
    if not chosen and not any_all:
        return []
    start_from = min([now - lookback, *(s.start for s in chosen)])
    # A session started early still starts later than now: the window must
    # reach it, or its absence would read as "ended".
    start_to = max([now + horizon, *(s.start + timedelta(minutes=1) for s in chosen)])
    if any_all:
        whole = ListingQuery(start_from=start_from, start_to=start_to)
        if rows_per_query is None:
            return [whole]
        return split_by_start(whole, [s.start for s in chosen], rows_per_query)
    hosts = sorted({s.host_id for s in chosen if s.host_id})
    return [ListingQuery(start_from=start_from, start_to=start_to, host_webex_id=h) for h in hosts]


def split_by_start(
    query: ListingQuery, starts: Iterable[datetime], rows_per_query: int
) -> list[ListingQuery]:
    """``query``'s window cut into parts, each holding at most ``rows_per_query``
    of ``starts`` (more only where that many share one start time, which no cut
    can part). The parts cover the window's whole seconds exactly.

    A site's ``startDateEnd`` includes its second and start times are whole
    seconds, so each part but the last ends one second before the next one's
    first start: adjacent parts share no start time. Sharing one would list
    its sessions in both parts, which can push a part past its one page.
    """
    if rows_per_query < 1:
        raise ValueError("rows_per_query must be at least 1")
    inside = sorted(t for t in starts if query.start_from <= t < query.start_to)
    cuts: list[datetime] = []
    count = 0
    for i, start in enumerate(inside):
        # Cut only where a whole second separates two starts: nothing the site
        # could list starts between a part's end and the next part's start.
        if count >= rows_per_query and start - inside[i - 1] >= _SECOND:
            cuts.append(start)
            count = 0
        count += 1
    ends = [cut - _SECOND for cut in cuts] + [query.start_to]
    return [
        replace(query, start_from=a, start_to=b)
        for a, b in zip([query.start_from, *cuts], ends, strict=True)
    ]


def hosts_to_check_open(
    queries: Iterable[ListingQuery], candidates: Iterable[MeetingSnapshot]
) -> frozenset[str]:
    """The hosts of per-host ``queries`` with no candidate believed in progress,
    when there are two or more of them (one LstOpenSession then costs less than
    their listings); else none."""
    busy = {s.host_id.casefold() for s in candidates if s.in_progress and s.host_id}
    idle = frozenset(
        q.host_webex_id
        for q in queries
        if q.host_webex_id is not None and q.host_webex_id.casefold() not in busy
    )
    return idle if len(idle) >= 2 else frozenset()


def prune_by_open_sessions(
    queries: Iterable[ListingQuery], idle: frozenset[str], open_hosts: Iterable[str]
) -> list[ListingQuery]:
    """``queries`` without those of the ``idle`` hosts that have no session open.

    ``open_hosts`` are the webExIDs of a complete LstOpenSession answer. Hosts
    believed in progress stay listed: their listing says who is present and
    which of their sessions ended.
    """
    running = {h.casefold() for h in open_hosts}
    return [
        q for q in queries if q.host_webex_id not in idle or q.host_webex_id.casefold() in running
    ]


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


def refresh_candidates(
    candidates: list[MeetingSnapshot], seen: dict[str, Observation]
) -> list[MeetingSnapshot]:
    """Candidates with the presence a live listing just reported; those it
    showed ended drop out."""
    out: list[MeetingSnapshot] = []
    for c in candidates:
        o = seen.get(c.key)
        if o is None:
            out.append(c)
        elif o.in_progress:
            out.append(
                replace(
                    c,
                    in_progress=True,
                    host_present=c.host_present if o.host_present is None else o.host_present,
                    attendees_present=(
                        c.attendees_present if o.attendees_present is None else o.attendees_present
                    ),
                )
            )
    return out
