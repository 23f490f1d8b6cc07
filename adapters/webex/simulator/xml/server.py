"""The simulated site as an aiohttp application.

Routes:
    ``POST /WBXService/XMLService``: the XML API. A request that is not an XML
    API message (not XML, a DOCTYPE, no bodyContent) is answered HTTP 200 with
    one FAILURE, exceptionID 999999, reason "Invalid XML request: ...", as the
    XML service answers everything it can read. Injected faults apply first,
    then the site's ``listing_latency`` to LstsummarySession, whose answers
    ``foreign_listings`` rewrites. The latency is charged once per request,
    however many LstsummarySession bodyContents it carries, and every
    bodyContent of one request is answered at one instant: the handlers run
    one after the other with nothing awaited between them, so no control call
    or clock step can change the site half-way through a request.
    ``/control/...``: the JSON control surface, see :mod:`.control`.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from .control import add_control_routes
from .faults import Fault
from .foreign import render_foreign
from .handlers import Answer, answer, caller_of, canonical_operation
from .protocol import Outcome, ParsedRequest, RequestError, SimFailure, parse_request
from .protocol import render_response as render
from .records import RecordedRequest
from .site import SimulatedSite

__all__ = ["SITE_KEY", "XML_PATH", "create_app"]

logger = logging.getLogger("meetbot.simulator")

XML_PATH = "/WBXService/XMLService"
SITE_KEY = web.AppKey("site", SimulatedSite)
_CONTENT_TYPE = "text/xml"
_CHARSET = "ISO-8859-1"
_RATE_LIMITED = SimFailure("000045", "API Rate Limit Reached")


def create_app(site: SimulatedSite) -> web.Application:
    """An application serving ``site``; bind it where you like (127.0.0.1 by default)."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SITE_KEY] = site
    app.router.add_post(XML_PATH, _xml_service)
    add_control_routes(app, site)
    return app


def _xml(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=_CONTENT_TYPE, charset=_CHARSET)


async def _xml_service(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE_KEY]
    raw = await request.read()
    parsed: ParsedRequest | None
    try:
        parsed = parse_request(raw)
    except RequestError as e:
        parsed = None
        problem = str(e)
    operations = () if parsed is None else tuple(canonical_operation(o) for o in parsed.operations)
    account = ""
    caller = None
    if parsed is not None:
        caller = caller_of(site, parsed)
        account = caller.webex_id if caller else parsed.security.webex_id or ""
    site.record(
        RecordedRequest(
            operation_names=operations,
            body_content_count=len(operations),
            raw=raw,
            account=account,
        )
    )
    fault = site.faults.take(operations)
    if fault is not None:
        early = await _early_fault(fault, len(operations))
        if early is not None:
            logger.debug("fault %s for %s", fault.kind, operations)
            return early
    if site.listing_latency > 0 and "LstsummarySession" in operations:
        await asyncio.sleep(site.listing_latency)
    if parsed is None:
        failure = SimFailure("999999", f"Invalid XML request: {problem}")
        return _xml(render([Outcome(failure=failure)]))
    result: Answer = answer(site, parsed, caller)
    if result.forbidden:
        return web.Response(status=403, text="403 Forbidden")
    body = render(result.outcomes)
    if site.foreign_listings and "LstsummarySession" in operations:
        body = render_foreign(body)
    if fault is not None and fault.kind == "truncated":
        body = body[: len(body) // 2]
    if fault is not None and fault.kind == "trickle":
        return await _trickle(request, body, fault.seconds)
    return _xml(body)


async def _trickle(request: web.Request, body: bytes, interval: float) -> web.StreamResponse:
    """``body`` one byte every ``interval`` seconds, until the client hangs up."""
    response = web.StreamResponse(headers={"Content-Type": f"{_CONTENT_TYPE}; charset={_CHARSET}"})
    response.content_length = len(body)
    await response.prepare(request)
    try:
        for index in range(len(body)):
            await response.write(body[index : index + 1])
            await asyncio.sleep(interval)
    except (ConnectionResetError, RuntimeError):
        return response  # the client gave up: what a trickle is for
    await response.write_eof()
    return response


async def _early_fault(fault: Fault, count: int) -> web.StreamResponse | None:
    """The response a fault replaces the real answer with; None to answer normally."""
    if fault.kind in ("latency", "timeout"):
        await asyncio.sleep(fault.seconds)
    if fault.kind == "timeout":
        return web.Response(status=504, text="504 Gateway Timeout")
    if fault.kind == "http500":
        return web.Response(status=500, text="500 Internal Server Error")
    if fault.kind == "http403":
        return web.Response(status=403, text="403 Forbidden")
    if fault.kind == "malformed":
        return _xml(b"<html><body>Service Temporarily Unavailable</body>")
    if fault.kind == "empty":
        return _xml(b"")
    if fault.kind == "rate_limit":
        return _xml(render([Outcome(failure=_RATE_LIMITED) for _ in range(max(count, 1))]))
    return None
