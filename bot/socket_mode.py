"""Socket Mode: the same bolt app, reached over Slack's WebSocket instead of HTTP.

Used when ``SLACK_APP_TOKEN`` is set. ``connect_async()`` returns once the
connection stands (``start_async()`` would sleep forever and own the loop);
close the handler on shutdown.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

__all__ = ["connect_socket_mode"]


async def connect_socket_mode(
    app: AsyncApp, app_token: str, *, ping_interval: float = 10
) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection for ``app``; the caller closes the handler
    (``await handler.close_async()``) on shutdown.

    Args:
        app: from :func:`bot.slack_app.create_slack_app`; its client also opens
            the connection (``apps.connections.open``), so a fake Slack serves both.
        app_token: the app-level token (``xapp-...``).
        ping_interval: seconds between keep-alive pings.
    """
    handler = AsyncSocketModeHandler(app, app_token, ping_interval=ping_interval)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
    return handler
