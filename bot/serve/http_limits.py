"""Bounds on what one HTTP client may hold: time to send its headers, time to
send its body, and how many connections are open at once.

aiohttp waits for a request's headers for as long as the connection's
keep-alive timeout (it closes a connection whose handler is idle, and a handler
is idle until the headers are complete), so :data:`HttpLimits.header_timeout`
is passed as that timeout (see :func:`bot.serve.front.start_web`); it also closes
idle keep-alive connections. The body is read by the handler that needs it,
within its own bound (see :mod:`bot.serve.slack_ingress`). Connections beyond
:data:`HttpLimits.max_connections` are answered 503 and closed at once, before
anything is read."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web

__all__ = ["BoundedSite", "HttpLimits"]

logger = logging.getLogger("meetbot.web")

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpLimits:
    """Attributes:
    header_timeout: seconds a connection may take to send a request's headers
        (and may stay idle between requests).
    max_connections: connections served at once; more are refused with 503.
    """

    header_timeout: float = 15.0
    max_connections: int = 256

    def __post_init__(self) -> None:
        if self.header_timeout <= 0:
            raise ValueError("header_timeout must be positive")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


class _Busy(asyncio.Protocol):
    """Answers one connection over the limit with 503 and closes it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_BUSY)
        transport.close()


class BoundedSite(web.TCPSite):
    """A TCPSite that serves at most ``limits.max_connections`` connections at once."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, limits: HttpLimits) -> None:
        super().__init__(runner, host, port)
        self._limits = limits
        self._refused = 0

    async def start(self) -> None:
        # TCPSite.start with the protocol factory wrapped; BaseSite.start
        # registers the site with its runner.
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        limit = self._limits.max_connections

        def protocol() -> asyncio.BaseProtocol:
            if len(server.connections) >= limit:
                self._refused += 1
                if self._refused == 1 or self._refused % 1000 == 0:
                    logger.warning(
                        "HTTP connection limit (%d) reached; refused %d connections so far",
                        limit,
                        self._refused,
                    )
                return _Busy()
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            protocol, self._host, self._port, backlog=self._backlog
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
