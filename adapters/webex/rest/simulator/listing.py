"""``GET /meetings``: which meetings a listing returns, in which state.

Rules (Cisco's List Meetings):

1. ``meetingType`` is ``meetingSeries`` (default), ``scheduledMeeting`` or
   ``meeting``; ``state`` filters on the reported state; ``meetingSeriesId``
   narrows to one series; ``meetingNumber`` or ``webLink`` finds one meeting
   and ignores every other filter.
2. Windows: ``from`` inclusive, ``to`` exclusive. Series and occurrences are
   listed when they overlap it (defaults: now to now+7 days); instances when
   they started in it (defaults: now-7 days to now).
3. Whose: a user sees the meetings they host. ``hostEmail`` (admin tokens
   only) lists as if that user called. An admin without ``hostEmail`` sees
   its own series and occurrences but every instance of the organisation.
4. Lag: instances are shown as they were ``listing_lag`` ago (Cisco's "up to
   15 minutes"): a meeting started more recently is not listed yet, one ended
   more recently still shows ``inProgress``.

Sorted by start, then id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web

from .bodies import parse_time
from .errors import MISSING_SCOPE, ApiError
from .records import Series
from .render import instance_json, occurrence_json, series_json
from .site import RestSite
from .states import occurrence_state, series_state
from .tokens import Grant

__all__ = ["Listed", "listed_meetings", "require_scope", "visible_host"]

_TYPES = ("meetingSeries", "scheduledMeeting", "meeting")
_STATES = ("active", "scheduled", "ready", "lobby", "inProgress", "ended", "missed", "expired")


def require_scope(grant: Grant, scope: str) -> None:
    """Raises ApiError 403 naming ``scope`` when the token lacks it."""
    if scope not in grant.scopes:
        raise ApiError(403, MISSING_SCOPE, f"Missing required scope: {scope}")


def visible_host(grant: Grant, host_email: str | None) -> str | None:
    """The host whose meetings this call may see (None: the whole org).

    Raises:
        ApiError: 403 for ``hostEmail`` of someone else on a user token.
    """
    if host_email and host_email.lower() != grant.email.lower():
        if not grant.admin:
            raise ApiError(
                403, MISSING_SCOPE, "Missing required scope: meeting:admin_schedule_read"
            )
        require_scope(grant, "meeting:admin_schedule_read")
        return host_email
    if grant.admin:
        require_scope(grant, "meeting:admin_schedule_read")
        return None
    require_scope(grant, "meeting:schedules_read")
    return grant.email


def _window(query: dict[str, str], now: datetime, past: bool) -> tuple[datetime, datetime]:
    week = timedelta(days=7)
    low = parse_time(query["from"], "from", truncate=False) if "from" in query else None
    high = parse_time(query["to"], "to", truncate=False) if "to" in query else None
    # The default end "now" includes what started this very instant.
    just_now = now + timedelta(microseconds=1)
    if past:
        low = low or ((high - week) if high else now - week)
        high = high or (min(low + week, just_now) if "from" in query else just_now)
    else:
        low = low or ((high - week) if high else now)
        high = high or low + week
    return low, high


def _is_host(series: Series, email: str | None) -> bool:
    return email is None or series.host.email.lower() == email.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Listed:
    """One meeting a listing returns; ``state()`` and ``render()`` compute its
    state and JSON on demand, so a page of a long listing costs a page."""

    start: datetime
    id: str
    state: Callable[[], str]
    render: Callable[[], dict[str, Any]]


def listed_meetings(site: RestSite, grant: Grant, query: dict[str, str]) -> list[Listed]:
    """Every meeting the listing returns, in order, before paging.

    Raises:
        ApiError: 400 for a bad filter value, 403 for a scope or host not allowed.
    """
    now = site.clock.now()
    host = visible_host(grant, query.get("hostEmail"))
    kind = query.get("meetingType", "meetingSeries")
    state = query.get("state")
    if kind not in _TYPES:
        raise ApiError(400, "The input parameters contain invalid items.", "Invalid meetingType.")
    if state is not None and state not in _STATES:
        raise ApiError(400, "The input parameters contain invalid items.", "Invalid state.")
    # Series and occurrences of others are seen only through hostEmail.
    owner = host if kind == "meeting" or host is not None else grant.email
    series = [s for s in site.all_series() if _is_host(s, owner)]
    number, link = query.get("meetingNumber"), query.get("webLink")
    if number or link:
        hits = [s for s in series if s.meeting_number == number or s.web_link == link]
        return [
            Listed(
                start=s.start,
                id=s.id,
                state=partial(series_state, s, now),
                render=partial(series_json, s, now, current=True, listed=True),
            )
            for s in hits
        ]
    if query.get("siteUrl") and query["siteUrl"].lower() != site.site_url.lower():
        return []
    if "meetingSeriesId" in query:
        series = [s for s in series if s.id == query["meetingSeriesId"]]
    low, high = _window(query, now, past=kind == "meeting")
    found: list[Listed] = []
    current = query.get("current", "true").lower() != "false"
    seen_at = now - site.listing_lag
    for each in series:
        if kind == "meetingSeries":
            spans = [(o.start, o.end) for o in each.current_occurrences()]
            if any(s < high and e > low for s, e in spans):
                found.append(
                    Listed(
                        start=each.start,
                        id=each.id,
                        state=partial(series_state, each, now),
                        render=partial(series_json, each, now, current=current, listed=True),
                    )
                )
        elif kind == "scheduledMeeting":
            for occ in each.current_occurrences():
                if occ.start < high and occ.end > low:
                    found.append(
                        Listed(
                            start=occ.start,
                            id=occ.id,
                            state=partial(occurrence_state, each, occ, now),
                            render=partial(occurrence_json, each, occ, now),
                        )
                    )
        else:
            for instance in each.instances:
                shown = instance.state_at(seen_at)
                if shown is not None and low <= instance.started_at < high:
                    found.append(
                        Listed(
                            start=instance.started_at,
                            id=instance.id,
                            state=partial(str, shown),
                            render=partial(instance_json, each, instance, now, state=shown),
                        )
                    )
    found.sort(key=lambda entry: (entry.start, entry.id))
    # States cost more than the window test: computed only to filter on.
    return [entry for entry in found if state is None or entry.state() == state]


def query_of(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items() if k not in ("max", "cursor")}
