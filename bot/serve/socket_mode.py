"""Socket Mode: the same bolt app, reached over Slack's WebSocket instead of HTTP.

Used when ``SLACK_APP_TOKEN`` is set. ``connect_async()`` returns once the
connection stands (``start_async()`` would sleep forever and own the loop);
close the handler on shutdown.

Each payload is checked as the HTTP endpoint checks it
(:func:`bot.serve.slack_requests.classify`) before bolt sees it: bolt indexes into
payloads unchecked (an interactive payload with no actions raised IndexError
and logged a traceback). Malformed and ignored payloads are acknowledged
(unacknowledged, Slack would resend them) without reaching bolt.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.serve.slack_requests import Malformed, Verdict, classify

__all__ = ["connect_socket_mode"]

logger = logging.getLogger("meetbot.slack")


class _CheckedHandler(AsyncSocketModeHandler):
    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # bolt narrows its base the same way
        verdict = classify(req.payload)
        if isinstance(verdict, Malformed):
            logger.warning("refused a malformed Slack payload over Socket Mode: %s", verdict.reason)
        if isinstance(verdict, Malformed) or verdict is Verdict.IGNORE:
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)


async def connect_socket_mode(
    app: AsyncApp, app_token: str, *, ping_interval: float = 10
) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection for ``app``; the caller closes the handler
    (``await handler.close_async()``) on shutdown.

    Args:
        app: from :func:`bot.serve.slack_app.create_slack_app`; its client also opens
            the connection (``apps.connections.open``), so a fake Slack serves both.
        app_token: the app-level token (``xapp-...``).
        ping_interval: seconds between keep-alive pings.
    """
    handler = _CheckedHandler(app, app_token, ping_interval=ping_interval)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
    return handler
