"""Pagination as webexapis.com does it: ``max`` and a ``Link`` header.

A page holds at most ``max`` items (clamped to the endpoint's cap). When more
follow, the answer carries ``Link: <absolute url>; rel="next"``, a URL that
repeats the original query with an opaque ``cursor``; the last page has no
``Link``. A cursor that no longer fits (items went away) gives an empty page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from aiohttp import web

from .errors import ApiError

__all__ = ["page"]

T = TypeVar("T")


def _offset(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, "Invalid cursor.") from None
    if value < 0:
        raise ApiError(400, "Invalid cursor.")
    return value


def page_size(request: web.Request, *, default: int, cap: int) -> int:
    """``max`` from the query, clamped to ``cap``.

    Raises:
        ApiError: 400, not a positive integer.
    """
    raw = request.query.get("max")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise ApiError(400, "The input parameters contain invalid items.", "Invalid max.") from None
    if size < 1:
        raise ApiError(400, "The input parameters contain invalid items.", "Invalid max.")
    return min(size, cap)


def page(
    request: web.Request, items: Sequence[T], *, default: int = 10, cap: int = 100
) -> tuple[list[T], dict[str, str]]:
    """This request's page of ``items`` and the headers to send with it.

    Raises:
        ApiError: 400 for a bad ``max`` or ``cursor``.
    """
    size = page_size(request, default=default, cap=cap)
    cursor = request.query.get("cursor")
    start = 0 if cursor is None else _offset(cursor)
    chosen = list(items[start : start + size])
    headers: dict[str, str] = {}
    if start + size < len(items):
        token = base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=")
        query = dict(request.query)
        query["cursor"] = token
        query["max"] = str(size)
        headers["Link"] = f'<{request.url.with_query(query)}>; rel="next"'
    return chosen, headers
