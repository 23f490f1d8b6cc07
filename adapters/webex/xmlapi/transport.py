"""One HTTP POST to the XML API endpoint, with every library failure mapped.

Reads the body in chunks and stops at the size cap, so a hostile or broken
server cannot make us hold more than ``max_body_bytes`` in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import aiohttp

from adapters.errors import (
    AccessDeniedError,
    RateLimitedError,
    SessionInfoBlockedError,
    UnsafeXmlError,
    WebexDecodeError,
    WebexError,
    WebexTimeoutError,
    WebexTransportError,
)
from adapters.webex.xmlapi.xml import check_size

__all__ = ["SESSION_INFO_BLOCK", "HttpSettings", "post_xml"]

#: How long the site blocks GetSessionInfo after the hourly limit (40.4.5, 40.8.0).
SESSION_INFO_BLOCK = timedelta(hours=2)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSettings:
    url: str
    connect_timeout: float
    read_timeout: float
    max_body_bytes: int

    def timeout(self) -> aiohttp.ClientTimeout:
        # total bounds a server that drips bytes just fast enough for sock_read.
        return aiohttp.ClientTimeout(
            total=self.connect_timeout + 2 * self.read_timeout,
            connect=self.connect_timeout,
            sock_read=self.read_timeout,
        )


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    """An HTTP Retry-After (seconds or an HTTP date) as an aware instant."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


def _status_error(
    response: aiohttp.ClientResponse, *, session_info: bool, clock: Callable[[], datetime]
) -> WebexError:
    status = response.status
    if status == 403 and session_info:
        now = clock()
        until = _retry_after(response.headers.get("Retry-After"), now)
        return SessionInfoBlockedError(until or now + SESSION_INFO_BLOCK)
    if status == 403:
        return AccessDeniedError("", "HTTP 403 Forbidden")
    if status == 429:
        now = clock()
        later = _retry_after(response.headers.get("Retry-After"), now)
        wait = 60.0 if later is None else max((later - now).total_seconds(), 0.0)
        return RateLimitedError("", "HTTP 429 Too Many Requests", retry_after=wait)
    return WebexTransportError(f"HTTP {status} from the XML API endpoint")


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if response.content_length is not None:
        check_size(response.content_length, limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        check_size(size, limit)
        parts.append(chunk)
    return b"".join(parts)


async def post_xml(
    session: aiohttp.ClientSession,
    settings: HttpSettings,
    payload: bytes,
    *,
    session_info: bool,
    clock: Callable[[], datetime],
) -> bytes:
    """POST ``payload``; return the raw body of a 200 answer.

    Raises:
        SessionInfoBlockedError: HTTP 403 on a request holding GetSessionInfo.
        AccessDeniedError: any other HTTP 403.
        RateLimitedError: HTTP 429.
        UnsafeXmlError: a body over the cap (the connection is dropped).
        WebexTimeoutError: connect or read timeout.
        WebexDecodeError: a truncated body.
        WebexTransportError: connection errors and other HTTP statuses.
    """
    try:
        async with session.post(
            settings.url,
            data=payload,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=settings.timeout(),
            allow_redirects=False,
        ) as response:
            if response.status != 200:
                raise _status_error(response, session_info=session_info, clock=clock)
            try:
                return await _read_capped(response, settings.max_body_bytes)
            except UnsafeXmlError:
                # Do not drain the rest of a hostile body to reuse the connection.
                response.close()
                raise
    except TimeoutError as e:
        raise WebexTimeoutError("the XML API endpoint did not answer in time") from e
    except aiohttp.ClientPayloadError as e:
        raise WebexDecodeError("the response body was truncated") from e
    except aiohttp.ClientError as e:
        raise WebexTransportError(f"cannot reach the XML API endpoint: {type(e).__name__}") from e
