"""The simulated REST site as an aiohttp application.

Routes under ``/v1/`` (the API root, like ``https://webexapis.com/v1/``):
``meetings``, ``meetingParticipants``, ``webhooks``, ``people/me``, and ``access_token``
(the OAuth refresh grant, form-encoded, the one route without a bearer token).
``/control/…`` is the JSON control surface (:mod:`.control`).

While the app runs it delivers webhook envelopes (:mod:`.delivery`).
Every ``/v1/`` request is recorded, then meets the injected faults, then the
token check (401 for a missing, unknown or expired token), then its handler.
Refusals are Cisco-shaped (:mod:`.errors`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from .control import add_control_routes
from .delivery import delivering
from .errors import ApiError, error_response, rate_limited
from .faults import Fault
from .meetings_api import SITE_KEY, add_meeting_routes
from .people_api import add_people_routes
from .records import RecordedCall
from .site import RestSite
from .webhooks_api import add_webhook_routes

__all__ = ["API_ROOT", "SITE_KEY", "create_app"]

logger = logging.getLogger("meetbot.simulator.rest")

API_ROOT = "/v1/"
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(site: RestSite) -> web.Application:
    """An application serving ``site``; bind it where you like (127.0.0.1 by default)."""
    app = web.Application(middlewares=[_api_middleware], client_max_size=1024 * 1024)
    app[SITE_KEY] = site
    app.router.add_post("/v1/access_token", _access_token)
    add_meeting_routes(app)
    add_webhook_routes(app)
    add_people_routes(app)
    add_control_routes(app, site)
    app.cleanup_ctx.append(_deliveries)
    return app


async def _deliveries(app: web.Application) -> AsyncIterator[None]:
    # Webhook deliveries go out while the app serves, and stop with it.
    async with delivering(app[SITE_KEY].deliveries):
        yield


@web.middleware
async def _api_middleware(request: web.Request, handler: _Handler) -> web.StreamResponse:
    if not request.path.startswith(API_ROOT):
        return await handler(request)
    site = request.app[SITE_KEY]
    site.calls.append(
        RecordedCall(
            method=request.method,
            path=request.path,
            query=request.query_string,
            body=await request.read(),
            authorization=request.headers.get("Authorization", ""),
        )
    )
    fault = site.faults.take(request.method, request.path)
    if fault is not None:
        early = await _early_fault(fault)
        if early is not None:
            logger.debug("fault %s for %s %s", fault.kind, request.method, request.path)
            return early
    try:
        if request.path != "/v1/access_token":
            site.tokens.check(request.headers.get("Authorization"))
        return await handler(request)
    except ApiError as e:
        return error_response(e.status, e.message, e.description)
    except web.HTTPException as e:
        if e.status in (404, 405):
            return error_response(e.status, "The requested resource could not be found.")
        raise


async def _early_fault(fault: Fault) -> web.StreamResponse | None:
    """The answer a fault replaces the real one with; None to answer normally."""
    if fault.kind in ("latency", "timeout"):
        await asyncio.sleep(fault.seconds)
    if fault.kind == "timeout":
        return error_response(504, "Gateway Timeout")
    if fault.kind == "http429":
        return rate_limited(fault.retry_after)
    if fault.kind.startswith("http"):
        status = int(fault.kind[4:])
        return error_response(status, "Internal Server Error" if status == 500 else "Unavailable")
    return None


async def _access_token(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return web.json_response(site.tokens.refresh(fields))
