"""The JSON control surface: drive the simulated REST site over HTTP.

Routes (JSON in, JSON out, no token needed):
    ``POST /control/<action>`` with the action's arguments as a JSON object,
    or ``POST /control`` with ``{"action": "<action>", ...arguments}``.
    ``GET /control/meetings``: every series with its occurrences, instances
    and participants, without passwords. ``GET /control/deliveries``: what
    became of each webhook delivery. ``GET /control/calls``: every API call
    received (method, path, query, body), oldest first.

Actions and their arguments (``id`` is a series, occurrence or instance id):
    ``schedule``: host, title, start (ISO 8601 with offset), and optionally
    minutes (60), timezone, recurrence, options -> ``{"id": ...}``.
    ``start``, ``host_joins``, ``end``, ``delete``: id.
    ``lobby_join``, ``join``, ``admit``, ``leave``: id, email.
    ``add_person``: email, display_name. ``add_token``: token, email, and
    optionally admin, lifetime_seconds. ``expire_token``: token.
    ``add_client``: client_id, client_secret. ``issue_refresh_token``:
    client_id, email, admin -> ``{"refresh_token": ...}``.
    ``drop_deliveries``, ``duplicate_deliveries``, ``hold_deliveries``:
    count (the next N). ``release_deliveries``: send the held ones now.
    ``delay_deliveries``: seconds. ``settle``: wait until deliveries are out.
    ``delivery_timeout``: seconds a target may take to answer (10).
    ``webhook_threshold``: count (100), and optionally window_seconds (300):
    failures within the window that disable a webhook.
    ``fault``: kind, path, method, times, seconds, retry_after. ``clear_faults``.
    ``advance``: seconds. ``speed``: speed. ``lag``: minutes (listing lag).

Every success answers 200 with ``{"ok": true, "now": ...}`` plus what the
action made; an unknown meeting 404, bad arguments 400, both as
``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from adapters.webex.simulator.xml.control import action_handler, control_time

from .records import Instance, Participant, Series, wire_time
from .site import RestSite
from .states import occurrence_state, series_state

__all__ = ["add_control_routes"]

_BY_EMAIL: dict[str, Callable[[RestSite], Callable[[str, str], Participant]]] = {
    "lobby_join": lambda s: s.lobby_join,
    "join": lambda s: s.join,
    "admit": lambda s: s.admit,
    "leave": lambda s: s.leave,
}


def add_control_routes(app: web.Application, site: RestSite) -> None:
    async def run(action: str, args: dict[str, Any]) -> dict[str, Any]:
        return await _run(site, action, args)

    async def meetings(_request: web.Request) -> web.Response:
        now = site.clock.now()
        return web.json_response({"meetings": [_summary(s, now) for s in site.all_series()]})

    async def deliveries(_request: web.Request) -> web.Response:
        records = [
            {
                "webhook": r.webhook_id,
                "resource": r.resource,
                "event": r.event,
                "data_id": r.data_id,
                "outcome": r.outcome,
                "status": r.status,
                "duplicate": r.duplicate,
            }
            for r in site.deliveries.records
        ]
        return web.json_response({"deliveries": records})

    control = action_handler(run, site.clock, missing="not found:")
    app.router.add_get("/control/meetings", meetings)

    async def calls(_request: web.Request) -> web.Response:
        answer = [
            {
                "method": c.method,
                "path": c.path,
                "query": c.query,
                "body": c.body.decode("utf-8", "replace"),
            }
            for c in site.calls
        ]
        return web.json_response({"calls": answer})

    app.router.add_get("/control/deliveries", deliveries)
    app.router.add_get("/control/calls", calls)
    app.router.add_post("/control", control)
    app.router.add_post("/control/{action}", control)


def _instance(instance: Instance) -> dict[str, Any]:
    return {"instance": instance.id, "state": instance.state}


def _participant(person: Participant) -> dict[str, Any]:
    return {"participant": person.id, "state": person.state, "host": person.host}


async def _run(site: RestSite, action: str, args: dict[str, Any]) -> dict[str, Any]:
    """Perform one action; returns extra fields for the JSON answer.

    Raises:
        KeyError: unknown meeting, person or token. ValueError/TypeError: bad
            action or arguments.
    """
    if action == "schedule":
        start = control_time(args.pop("start", None))
        minutes = float(args.pop("minutes", 60))
        host = site.person(str(args.pop("host")))
        series = site.create(host, start=start, end=start + timedelta(minutes=minutes), **args)
        return {"id": series.id}
    if action in ("start", "host_joins", "end"):
        meeting_id = str(args["id"])
        if action == "host_joins":
            return _participant(site.host_joins(meeting_id))
        return _instance(site.start(meeting_id) if action == "start" else site.end(meeting_id))
    if action == "delete":
        site.delete(str(args["id"]))
        return {}
    if action in _BY_EMAIL:
        return _participant(_BY_EMAIL[action](site)(str(args["id"]), str(args["email"])))
    return await _run_site(site, action, args)


async def _run_site(site: RestSite, action: str, args: dict[str, Any]) -> dict[str, Any]:
    if action == "add_person":
        site.add_person(str(args["email"]), args.get("display_name"))
    elif action == "add_token":
        lifetime = args.get("lifetime_seconds")
        site.tokens.add(
            str(args["token"]),
            str(args["email"]),
            admin=bool(args.get("admin", False)),
            lifetime=None if lifetime is None else timedelta(seconds=float(lifetime)),
        )
    elif action == "expire_token":
        site.tokens.expire(str(args["token"]))
    elif action == "add_client":
        site.tokens.add_client(str(args["client_id"]), str(args["client_secret"]))
    elif action == "issue_refresh_token":
        token = site.tokens.issue_refresh_token(
            str(args["client_id"]), str(args["email"]), admin=bool(args.get("admin", False))
        )
        return {"refresh_token": token}
    elif action == "drop_deliveries":
        site.deliveries.drop_next(int(args.get("count", 1)))
    elif action == "duplicate_deliveries":
        site.deliveries.duplicate_next(int(args.get("count", 1)))
    elif action == "hold_deliveries":
        site.deliveries.hold_next(int(args.get("count", 1)))
    elif action == "release_deliveries":
        site.deliveries.release_held()
    elif action == "delay_deliveries":
        site.deliveries.set_delay(float(args["seconds"]))
    elif action == "delivery_timeout":
        site.deliveries.timeout = float(args["seconds"])
    elif action == "webhook_threshold":
        site.webhooks.threshold = int(args["count"])
        if "window_seconds" in args:
            site.webhooks.window = timedelta(seconds=float(args["window_seconds"]))
    elif action == "settle":
        await site.deliveries.settle()
    elif action == "fault":
        site.faults.inject(**args)
    elif action == "clear_faults":
        site.faults.clear()
    elif action == "advance":
        site.clock.advance(timedelta(seconds=float(args["seconds"])))
    elif action == "speed":
        site.clock.set_speed(float(args["speed"]))
    elif action == "lag":
        site.listing_lag = timedelta(minutes=float(args["minutes"]))
    else:
        raise ValueError(f"unknown action {action!r}")
    return {}


def _summary(series: Series, now: datetime) -> dict[str, Any]:
    return {
        "id": series.id,
        "title": series.title,
        "host": series.host.email,
        "state": series_state(series, now),
        "webLink": series.web_link,
        "occurrences": [
            {
                "id": o.id,
                "state": occurrence_state(series, o, now),
                "start": wire_time(o.start),
                "end": wire_time(o.end),
            }
            for o in series.current_occurrences()
        ],
        "instances": [
            {
                **_instance(i),
                "participants": [
                    {"email": p.person.email, "state": p.state, "host": p.host}
                    for p in i.participants.values()
                ],
            }
            for i in series.instances
        ],
    }
