"""Records to the JSON the REST API answers with.

Shapes follow Cisco's ``MeetingSeriesObject``, ``MeetingObjectForListMeeting``
and ``Participant`` schemas. Instances carry ``meetingNumber``, ``password``,
``hostKey``, ``sipAddress`` and ``telephony`` only while not ended, and ``end``
only once ended, as Cisco's attribute-availability tables say. All times are
written in UTC (the API's default); :func:`in_zone` rewrites an answer for a
request's ``timezone`` header.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from .records import Instance, Occurrence, Participant, Series, wire_time
from .states import occurrence_state, series_state

__all__ = [
    "DEFAULT_OPTIONS",
    "in_zone",
    "instance_json",
    "meeting_event_data",
    "occurrence_json",
    "participant_json",
    "series_json",
]

# What a created meeting reports for the optional fields it was not given.
DEFAULT_OPTIONS: dict[str, Any] = {
    "agenda": "",
    "enabledAutoRecordMeeting": False,
    "allowAnyUserToBeCoHost": False,
    "enabledJoinBeforeHost": False,
    "enableConnectAudioBeforeHost": False,
    "joinBeforeHostMinutes": 0,
    "excludePassword": False,
    "publicMeeting": False,
    "reminderTime": 10,
    "unlockedMeetingJoinSecurity": "allowJoin",
    "scheduledType": "meeting",
    "enableAutomaticLock": False,
    "automaticLockMinutes": 0,
    "allowFirstUserToBeCoHost": False,
    "allowAuthenticatedDevices": False,
    "enabledBreakoutSessions": False,
}


def _telephony(series: Series) -> dict[str, Any]:
    return {
        "accessCode": series.meeting_number,
        "callInNumbers": [
            {"label": "US Toll", "callInNumber": "+1-408-555-0100", "tollType": "toll"}
        ],
        "links": [
            {
                "rel": "globalCallinNumbers",
                "href": f"/v1/meetings/{series.id}/globalCallinNumbers",
                "method": "GET",
            }
        ],
    }


def _common(series: Series) -> dict[str, Any]:
    return {
        "meetingNumber": series.meeting_number,
        "title": series.title,
        "password": series.password,
        "timezone": series.timezone,
        "hostUserId": series.host.person_id,
        "hostDisplayName": series.host.display_name,
        "hostEmail": series.host.email,
        "hostKey": series.host_key,
        "siteUrl": series.site_url,
        "webLink": series.web_link,
        "sipAddress": f"{series.meeting_number}@{series.site_url}",
        "telephony": _telephony(series),
        **DEFAULT_OPTIONS,
        **series.options,
    }


def _joined(instance: Instance | None) -> dict[str, bool]:
    if instance is None:
        return {"hostDidJoin": False, "attendeeDidJoin": False}
    attendee = any(not p.host for p in instance.participants.values())
    return {"hostDidJoin": instance.host_did_join, "attendeeDidJoin": attendee}


def series_json(
    series: Series, now: datetime, *, current: bool = False, listed: bool = False
) -> dict[str, Any]:
    """A series; with ``current`` its ``start``/``end`` are the ready or upcoming
    occurrence's (else the first's); ``listed`` adds ``meetingSeriesId``."""
    occurrences = series.current_occurrences() or series.occurrences
    shown = occurrences[0]
    if current:
        upcoming = [o for o in occurrences if o.end > now]
        shown = upcoming[0] if upcoming else occurrences[-1]
    state = series_state(series, now)
    body: dict[str, Any] = {
        "id": series.id,
        **_common(series),
        "meetingType": "meetingSeries",
        "state": state,
        "start": wire_time(shown.start),
        "end": wire_time(shown.end),
    }
    if series.recurrence:
        body["recurrence"] = series.recurrence
    if state == "inProgress":
        body.update(_joined(series.live_instance()))
    if listed:
        body["meetingSeriesId"] = series.id
    return body


def occurrence_json(series: Series, occurrence: Occurrence, now: datetime) -> dict[str, Any]:
    state = occurrence_state(series, occurrence, now)
    body: dict[str, Any] = {
        "id": occurrence.id,
        "meetingSeriesId": series.id,
        **_common(series),
        "meetingType": "scheduledMeeting",
        "state": state,
        "isModified": occurrence.modified,
        "start": wire_time(occurrence.start),
        "end": wire_time(occurrence.end),
    }
    if occurrence.title is not None:
        body["title"] = occurrence.title
    if state == "ready":
        body.update(_joined(series.instance_of(occurrence)))
    return body


def instance_json(
    series: Series, instance: Instance, now: datetime, *, state: str | None = None
) -> dict[str, Any]:
    """An instance; ``state`` overrides the real one (a lagging listing)."""
    shown = state or instance.state
    body: dict[str, Any] = {
        "id": instance.id,
        "meetingSeriesId": series.id,
        "scheduledMeetingId": instance.occurrence.id,
        **_common(series),
        "meetingType": "meeting",
        "state": shown,
        "start": wire_time(instance.started_at),
        **_joined(instance),
    }
    if instance.occurrence.title is not None:
        body["title"] = instance.occurrence.title
    if shown == "ended":
        for absent in ("meetingNumber", "password", "hostKey", "sipAddress", "telephony"):
            body.pop(absent, None)
        assert instance.ended_at is not None
        body["end"] = wire_time(instance.ended_at)
    return body


def participant_json(
    series: Series, instance: Instance, person: Participant, org_uuid: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": person.id,
        "host": person.host,
        "coHost": False,
        "email": person.person.email,
        "displayName": person.person.display_name,
        "invitee": False,
        "muted": False,
        "meetingStartTime": wire_time(instance.started_at),
        "video": "off",
        "state": person.state,
        "joinedTime": wire_time(person.joined_at),
        "siteUrl": series.site_url,
        "meetingId": instance.id,
        "hostEmail": series.host.email,
        "devices": [],
    }
    if instance.live:
        body["orgId"] = org_uuid
    if person.left_at is not None:
        body["leftTime"] = wire_time(person.left_at)
    return body


def meeting_event_data(series: Series, meeting: dict[str, Any], org_uuid: str) -> dict[str, Any]:
    """The ``data`` of a ``meetings`` delivery: the fields of Cisco's sample
    (``id``, ``meetingType``, ``timezone``, ``start``, ``end``, ``hostUserId``,
    ``state``, ``hostEmail``, ``siteUrl``, raw-uuid ``orgId``) and no title."""
    keys = ("id", "meetingType", "timezone", "start", "end", "hostUserId", "state", "hostEmail")
    data = {k: meeting[k] for k in keys if k in meeting}
    data["siteUrl"] = series.site_url
    data["orgId"] = org_uuid
    return data


_TIME_FIELDS = frozenset({"start", "end", "joinedTime", "leftTime", "meetingStartTime"})


def in_zone(value: Any, zone: tzinfo) -> Any:
    """``value`` (an answer body) with every time field written in ``zone``,
    e.g. ``2026-01-05T11:00:00+01:00``, as the API does for a ``timezone``
    request header."""
    if isinstance(value, list):
        return [in_zone(v, zone) for v in value]
    if not isinstance(value, dict):
        return value
    changed: dict[str, Any] = {}
    for key, item in value.items():
        if key in _TIME_FIELDS and isinstance(item, str) and item.endswith("Z"):
            moment = datetime.fromisoformat(item).astimezone(zone)
            item = (
                moment.isoformat()
                if moment.utcoffset()
                else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            )
        changed[key] = in_zone(item, zone)
    return changed
