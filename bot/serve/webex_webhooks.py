"""``POST /webex/webhooks``: take Webex webhook deliveries, persist them, answer fast.

In order, each step before anything more expensive:

1. read the body within ``body_timeout`` seconds (408 otherwise) and at most
   ``max_bytes`` of it (413: a larger one is refused unread past the cap);
2. verify ``X-Spark-Signature`` (hex HMAC-SHA1 of the raw bytes, compared in
   constant time) before any parsing: missing or wrong -> 401, nothing is
   written (refusals logged at most once a minute, with a count);
3. read the envelope: a signed body that is not one -> 400 and one log line;
4. persist it in the store's inbox under its identity (what it says: a
   repeat is stored once), 503 when the store cannot take it (Webex may
   deliver again; nothing was acknowledged);
5. answer 200 at once, then wake whoever processes the inbox (the REST
   feed): processing never holds up the answer, and a crash after the answer
   loses nothing, since the delivery is already in the inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiohttp import web

from adapters.errors import WebhookDecodeError, WebhookSignatureError, WebhookTooLargeError
from adapters.webex.rest.webhook import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    check_delivery,
    delivery_identity,
)
from bot.config import WEBHOOK_PATH
from bot.serve.slack_ingress import DEFAULT_BODY_TIMEOUT, RefusalLog
from state.clock import Clock, utc_now
from state.errors import StoreError

__all__ = ["WebhookEndpoint", "WebhookInbox", "webhook_handler", "webhook_route"]

logger = logging.getLogger("meetbot.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookInbox(Protocol):
    """Where verified deliveries are persisted (the store's inbox)."""

    async def inbox_put(self, identity: str, body: str, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEndpoint:
    """What ``/webex/webhooks`` needs.

    ``on_delivery`` is called (after the answer is on its way) for each delivery
    newly stored; it must not block: it wakes the processing, it does not do it.
    """

    secret: str
    inbox: WebhookInbox
    on_delivery: Callable[[], None]
    clock: Clock = utc_now
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a webhook secret is required to serve /webex/webhooks")
        if self.body_timeout <= 0 or self.max_bytes <= 0:
            raise ValueError("body_timeout and max_bytes must be positive")


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The body, or None once it is known to be over ``limit`` bytes (read no further)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = await request.content.read(limit + 1)
    return None if len(body) > limit else body


def webhook_handler(endpoint: WebhookEndpoint) -> Handler:
    """The aiohttp handler of ``POST /webex/webhooks``; see the module docstring."""
    refusals = RefusalLog(WEBHOOK_PATH)

    async def deliveries(request: web.Request) -> web.StreamResponse:
        try:
            async with asyncio.timeout(endpoint.body_timeout):
                raw = await _read_capped(request, endpoint.max_bytes)
        except TimeoutError:
            logger.warning(
                "a delivery to %s sent no complete body within %g s; dropped",
                WEBHOOK_PATH,
                endpoint.body_timeout,
            )
            return web.Response(status=408)
        try:
            if raw is None:
                raise WebhookTooLargeError(endpoint.max_bytes + 1, endpoint.max_bytes)
            delivery = check_delivery(
                raw,
                request.headers.get(SIGNATURE_HEADER),
                endpoint.secret,
                max_bytes=endpoint.max_bytes,
            )
        except WebhookTooLargeError:
            refusals.refused(f"a body over {endpoint.max_bytes} bytes")
            return web.Response(status=413)
        except WebhookSignatureError as e:
            refusals.refused(f"{e} (check WEBEX_WEBHOOK_SECRET)")
            return web.Response(status=401)
        except WebhookDecodeError as e:
            logger.warning("refused a signed but malformed Webex delivery: %s", e)
            return web.Response(status=400)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            logger.warning("refused a signed Webex delivery that is not UTF-8 JSON")
            return web.Response(status=400)
        identity = delivery_identity(delivery)
        try:
            stored = await endpoint.inbox.inbox_put(identity, text, endpoint.clock())
        except StoreError as e:
            logger.warning("could not keep a Webex delivery (%s); Webex may send it again", e)
            return web.Response(status=503)
        if not stored:
            logger.debug("Webex delivery %s seen before; acknowledged", identity)
            return web.Response(status=200)
        response = web.Response(status=200)
        await response.prepare(request)
        await response.write_eof()
        endpoint.on_delivery()
        return response

    return deliveries


def webhook_route(endpoint: WebhookEndpoint) -> Callable[[web.Application], None]:
    """A route hook for :func:`bot.serve.web.create_web_app` that mounts the handler."""

    def hook(app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, webhook_handler(endpoint))

    return hook
