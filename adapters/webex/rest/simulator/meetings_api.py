"""``/v1/meetings`` and ``/v1/meetingParticipants`` handlers.

Create answers 200 with the series (``state: active``); PUT and PATCH answer
200 with the changed series or occurrence and refuse instance ids and meetings
in progress; DELETE answers 204, then 404 for the same id. A meeting someone
else hosts is, for a user token, not there (404). Participants are listed by
``meetingId``: a series id means its latest instance, an occurrence id that
occurrence's, an instance id that instance. A ``timezone`` request header
(IANA name) writes the answer's times in that zone; UTC otherwise.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from .bodies import check_times as checked_start
from .bodies import (
    check_timezone,
    check_title,
    invalid,
    occurrence_starts,
    parse_time,
    read_options,
)
from .errors import ApiError
from .listing import listed_meetings, query_of, require_scope
from .paging import page
from .records import Instance, Series
from .render import in_zone, instance_json, occurrence_json, participant_json, series_json
from .site import RestSite
from .tokens import Grant

__all__ = ["SITE_KEY", "add_meeting_routes", "grant_of", "json_body"]

SITE_KEY = web.AppKey("rest_site", RestSite)
NOT_FOUND = "The requested resource could not be found."


def grant_of(request: web.Request) -> Grant:
    """The grant behind the request's token (the middleware refused bad ones).

    Raises:
        TokenError: 401, the token is missing, unknown or expired.
    """
    return request.app[SITE_KEY].tokens.check(request.headers.get("Authorization"))


def _answer(request: web.Request, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with its times in the request's ``timezone`` header zone.

    Raises:
        ApiError: 400 for a ``timezone`` header that names no IANA zone.
    """
    name = request.headers.get("timezone")
    if name:
        try:
            body = in_zone(body, ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(400, f"Invalid timezone header '{name}'.") from None
    return web.json_response(body, headers=headers)


def _owned(grant: Grant, series: Series, meeting_id: str, *, write: bool) -> None:
    """Raises ApiError 404 or 403 unless ``grant`` may read (or change) ``series``."""
    if series.host.email.lower() == grant.email.lower():
        require_scope(grant, "meeting:schedules_write" if write else "meeting:schedules_read")
    elif grant.admin:
        require_scope(
            grant, "meeting:admin_schedule_write" if write else "meeting:admin_schedule_read"
        )
    else:
        raise ApiError(404, NOT_FOUND, f"Meeting '{meeting_id}' was not found.")


def _find(site: RestSite, meeting_id: str) -> Any:
    try:
        return site.find(meeting_id)
    except KeyError:
        raise ApiError(404, NOT_FOUND, f"Meeting '{meeting_id}' was not found.") from None


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body.

    Raises:
        ApiError: 400, no body, not JSON or not an object.
    """
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "Required request body is missing") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


async def list_meetings(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    entries = listed_meetings(site, grant_of(request), query_of(request))
    chosen, headers = page(request, entries)
    return _answer(request, {"items": [entry.render() for entry in chosen]}, headers)


async def get_meeting(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    meeting_id = request.match_info["meeting_id"]
    series, occurrence, instance = _find(site, meeting_id)
    _owned(grant_of(request), series, meeting_id, write=False)
    now = site.clock.now()
    if instance is not None:
        return _answer(request, instance_json(series, instance, now))
    if occurrence is not None:
        return _answer(request, occurrence_json(series, occurrence, now))
    current = request.query.get("current", "false").lower() == "true"
    return _answer(request, series_json(series, now, current=current))


async def create_meeting(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    grant = grant_of(request)
    body = await json_body(request)
    host_email = body.get("hostEmail") or grant.email
    if host_email.lower() != grant.email.lower():
        if not grant.admin:
            raise invalid("Only an administrator may schedule for another host (hostEmail).")
        require_scope(grant, "meeting:admin_schedule_write")
    else:
        require_scope(grant, "meeting:schedules_write")
    try:
        host = site.person(host_email)
    except KeyError:
        raise invalid(f"hostEmail '{host_email}' is not a user of this site.") from None
    title = check_title(body.get("title"))
    start = parse_time(body.get("start"), "start")
    end = parse_time(body.get("end"), "end")
    start = checked_start(start, end, site.clock.now())
    end = max(end, start)
    timezone = check_timezone(body.get("timezone", "UTC"))
    password = body.get("password")
    if password is not None and (not isinstance(password, str) or not password):
        raise invalid("Meeting password validation failed.")
    recurrence = body.get("recurrence")
    occurrence_starts(start, recurrence)  # refuses what the site cannot expand
    series = site.create(
        host,
        title=title,
        start=start,
        end=end,
        timezone=timezone,
        password=password,
        recurrence=recurrence,
        options=read_options(body),
    )
    return _answer(request, series_json(series, site.clock.now()))


async def update_meeting(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    meeting_id = request.match_info["meeting_id"]
    series, occurrence, instance = _find(site, meeting_id)
    _owned(grant_of(request), series, meeting_id, write=True)
    if instance is not None:
        raise invalid(f"Meeting ID '{meeting_id}' is not allowed for this API.")
    if series.live_instance() is not None:
        raise invalid("Meeting is in progress.")
    body = await json_body(request)
    now = site.clock.now()
    shown = occurrence or series
    start = parse_time(body["start"], "start") if "start" in body else shown.start
    end = parse_time(body["end"], "end") if "end" in body else start + (shown.end - shown.start)
    if "start" in body or "end" in body:
        start = checked_start(start, end, now)
    title = check_title(body["title"]) if "title" in body else None
    timezone = check_timezone(body["timezone"]) if "timezone" in body else None
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise invalid("Meeting password validation failed.")
    series, occurrence = site.update(
        meeting_id,
        title=title,
        start=start if "start" in body else None,
        end=end if ("start" in body or "end" in body) else None,
        timezone=timezone,
        password=password or None,
        options=read_options(body),
    )
    if occurrence is not None:
        return _answer(request, occurrence_json(series, occurrence, now))
    return _answer(request, series_json(series, now, listed=True))


async def delete_meeting(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    meeting_id = request.match_info["meeting_id"]
    series, _, instance = _find(site, meeting_id)
    _owned(grant_of(request), series, meeting_id, write=True)
    if instance is not None:
        raise invalid(f"Meeting ID '{meeting_id}' is not allowed for this API.")
    site.delete(meeting_id)
    return web.Response(status=204)


def _participants_scope(grant: Grant, series: Series) -> None:
    if series.host.email.lower() == grant.email.lower():
        require_scope(grant, "meeting:participants_read")
    elif grant.admin:
        require_scope(grant, "meeting:admin_participants_read")
    else:
        raise ApiError(404, NOT_FOUND, "Meeting was not found.")


async def list_participants(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    meeting_id = request.query.get("meetingId")
    if not meeting_id:
        raise invalid("Parameter 'meetingId' is required.")
    series, occurrence, instance = _find(site, meeting_id)
    _participants_scope(grant_of(request), series)
    chosen: Instance | None = instance
    if chosen is None:
        pool = series.instances
        if occurrence is not None:
            pool = [i for i in pool if i.occurrence is occurrence]
        chosen = pool[-1] if pool else None
    people = [] if chosen is None else list(chosen.participants.values())
    items = [participant_json(series, chosen, p, site.org_uuid) for p in people if chosen]
    shown, headers = page(request, items)
    return _answer(request, {"items": shown}, headers)


async def get_participant(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    participant_id = request.match_info["participant_id"]
    series_id = participant_id.partition("_")[0]
    found = None
    try:
        series, _, _ = site.find(series_id)
    except KeyError:
        series = None
    if series is not None:
        for instance in reversed(series.instances):
            for person in instance.participants.values():
                if person.id == participant_id:
                    found = (instance, person)
                    break
            if found:
                break
    if series is None or found is None:
        raise ApiError(404, NOT_FOUND, f"Participant '{participant_id}' was not found.")
    _participants_scope(grant_of(request), series)
    instance, person = found
    return _answer(request, participant_json(series, instance, person, site.org_uuid))


def add_meeting_routes(app: web.Application) -> None:
    app.router.add_get("/v1/meetings", list_meetings)
    app.router.add_post("/v1/meetings", create_meeting)
    app.router.add_get("/v1/meetings/{meeting_id}", get_meeting)
    app.router.add_put("/v1/meetings/{meeting_id}", update_meeting)
    app.router.add_patch("/v1/meetings/{meeting_id}", update_meeting)
    app.router.add_delete("/v1/meetings/{meeting_id}", delete_meeting)
    app.router.add_get("/v1/meetingParticipants", list_participants)
    app.router.add_get("/v1/meetingParticipants/{participant_id}", get_participant)
