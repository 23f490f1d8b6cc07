"""The JSON control surface: drive the simulated site over HTTP.

Routes (JSON in, JSON out):
    ``POST /control/<action>`` with the action's arguments as a JSON object,
    or ``POST /control`` with ``{"action": "<action>", ...arguments}``.
    ``GET /control/meetings``: every meeting, without passwords.
    ``GET /control/requests``: the XML requests received so far: ``http`` (how
    many) and ``items`` (bodyContent items by lower-cased operation, so a
    batched GetSessionInfo counts each session).

Actions and their arguments:
    ``schedule``: host, title, start (ISO 8601 with offset), and optionally
    duration_minutes, time_zone_id, private, personal_room, password,
    meeting_type_id, auto_lock_minutes, external_attendee_security, invited
    -> ``{"key": ...}``.
    ``start``, ``host_joins``, ``host_leaves``, ``lock``, ``unlock``, ``end``,
    ``delete``: key. ``attendee_joins``, ``attendee_leaves``: key, count.
    ``reschedule``: key, start (ISO), duration_minutes.
    ``fault``: operation ("*" default), kind, times, seconds. ``clear_faults``.
    ``advance``: seconds. ``speed``: speed.

Every success answers 200 with ``{"ok": true, "now": ...}`` plus ``key`` or
``meeting`` where one applies; an unknown meeting 404, bad arguments 400, both
as ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .clock import SimClock
from .site import SimulatedSite

__all__ = ["ActionRunner", "action_handler", "add_control_routes", "control_time"]

_KEYED: dict[str, Callable[[SimulatedSite], Callable[..., None]]] = {
    "start": lambda s: s.start,
    "host_joins": lambda s: s.host_joins,
    "host_leaves": lambda s: s.host_leaves,
    "attendee_joins": lambda s: s.attendee_joins,
    "attendee_leaves": lambda s: s.attendee_leaves,
    "lock": lambda s: s.lock,
    "unlock": lambda s: s.unlock,
    "end": lambda s: s.end,
    "reschedule": lambda s: s.reschedule,
}


ActionRunner = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def action_handler(
    run: ActionRunner, clock: SimClock, *, missing: str = "no meeting"
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The ``POST /control[/<action>]`` handler around ``run(action, args)``.

    ``run`` returns the extra answer fields; its KeyError answers 404
    (``"<missing> <key>"``), its TypeError or ValueError 400.
    """

    async def control(request: web.Request) -> web.Response:
        try:
            args = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "the body must be a JSON object")
        if not isinstance(args, dict):
            return _error(400, "the body must be a JSON object")
        action = request.match_info.get("action") or str(args.pop("action", ""))
        args.pop("action", None)
        try:
            extra = await run(action, args)
        except KeyError as e:
            return _error(404, f"{missing} {e.args[0]}" if e.args else "not found")
        except (TypeError, ValueError) as e:
            return _error(400, str(e))
        return web.json_response({"ok": True, "now": clock.now().isoformat(), **extra})

    return control


def add_control_routes(app: web.Application, site: SimulatedSite) -> None:
    async def run(action: str, args: dict[str, Any]) -> dict[str, Any]:
        return _run(site, action, args)

    async def meetings(_request: web.Request) -> web.Response:
        return web.json_response({"meetings": [m.public_dict() for m in site.meetings()]})

    async def requests(_request: web.Request) -> web.Response:
        items = Counter(op.lower() for r in site.requests for op in r.operation_names)
        return web.json_response({"http": len(site.requests), "items": dict(items)})

    control = action_handler(run, site.clock)
    app.router.add_get("/control/meetings", meetings)
    app.router.add_get("/control/requests", requests)
    app.router.add_post("/control", control)
    app.router.add_post("/control/{action}", control)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def control_time(value: Any) -> datetime:
    """An aware datetime from a control argument (ISO 8601 with an offset).

    Raises:
        TypeError: not a string. ValueError: not ISO 8601, or no offset.
    """
    if not isinstance(value, str):
        raise TypeError("times are ISO 8601 strings with an offset")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("times need an offset, e.g. 2026-01-05T10:00:00+00:00")
    return parsed


def _run(site: SimulatedSite, action: str, args: dict[str, Any]) -> dict[str, Any]:
    """Perform one action; returns extra fields for the JSON answer.

    Raises:
        KeyError: unknown meeting. ValueError/TypeError: bad action or arguments.
    """
    if action == "schedule":
        args["start"] = control_time(args.get("start"))
        return {"key": site.schedule(**args)}
    if action in _KEYED:
        if "key" not in args:
            raise ValueError("this action needs a key")
        key = str(args.pop("key"))
        if "start" in args:
            args["start"] = control_time(args["start"])
        _KEYED[action](site)(key, **args)
        return {"meeting": site.meeting(key).public_dict()}
    if action == "delete":
        site.delete(str(args["key"]))
        return {}
    if action == "fault":
        site.faults.inject(**args)
        return {}
    if action == "clear_faults":
        site.faults.clear()
        return {}
    if action == "advance":
        site.clock.advance(timedelta(seconds=float(args["seconds"])))
        return {}
    if action == "speed":
        site.clock.set_speed(float(args["speed"]))
        return {}
    raise ValueError(f"unknown action {action!r}")
