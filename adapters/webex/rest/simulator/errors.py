"""Cisco-shaped error answers.

Every refusal is JSON ``{"message", "errors": [{"description"}], "trackingId"}``
with the same tracking id in a ``Trackingid`` header, as webexapis.com answers.
The one exception is 429, which Cisco documents with a ``text/html`` body and a
``Retry-After`` header (seconds).
"""

from __future__ import annotations

import itertools
import time
import uuid

from aiohttp import web

__all__ = ["MISSING_SCOPE", "ApiError", "error_response", "rate_limited", "tracking_id"]

# Cisco's 403 text for a token without the scope (or role) an endpoint needs.
MISSING_SCOPE = (
    "The server understood the request, but refused to fulfill it because the access token "
    "is missing required scopes or the user is missing required roles or licenses."
)

_sequence = itertools.count(1)


class ApiError(Exception):
    """A refusal to answer as a Cisco error body; raised by handlers."""

    def __init__(self, status: int, message: str, description: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.description = description or message


def tracking_id() -> str:
    """An id in Cisco's ``<32 hex>_<epoch ms>`` form, unique per answer."""
    return f"{uuid.uuid4().hex.upper()}_{int(time.time() * 1000) + next(_sequence)}"


def error_response(status: int, message: str, description: str | None = None) -> web.Response:
    tracking = tracking_id()
    body = {
        "message": message,
        "errors": [{"description": description or message}],
        "trackingId": tracking,
    }
    return web.json_response(body, status=status, headers={"Trackingid": tracking})


def rate_limited(retry_after: int) -> web.Response:
    return web.Response(
        status=429,
        text="<html><body>Too Many Requests</body></html>",
        content_type="text/html",
        headers={"Retry-After": str(retry_after), "Trackingid": tracking_id()},
    )
