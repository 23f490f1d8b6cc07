"""One HTTP POST to the XML API endpoint, with every library failure mapped.

Reads the body in chunks and stops at the size cap, so a hostile or broken
server cannot make us hold more than ``max_body_bytes`` in memory.

Deadlines: connecting may take ``connect_timeout``; after that the whole
answer (status line to last byte) must arrive within ``read_timeout``, or
``page_read_timeout`` for a discovery page of up to 500 rows. A deadline on
the whole answer, not only on the gap between two reads, is what stops a
server that drips a byte just often enough: one request holds the account's
only lane, so its bound is what a live poll or a command queued behind it
may have to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import aiohttp

from adapters.errors import (
    AccessDeniedError,
    RateLimitedError,
    UnsafeXmlError,
    WebexDecodeError,
    WebexError,
    WebexTimeoutError,
    WebexTransportError,
)
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.xml import check_size
from state.clock import Clock

__all__ = [
    "CONNECT_TIMEOUT",
    "PAGE_READ_TIMEOUT",
    "READ_TIMEOUT",
    "SESSION_INFO_BLOCK",
    "HttpSettings",
    "post_xml",
]

#: How long the site blocks GetSessionInfo after the hourly limit (40.4.5, 40.8.0).
SESSION_INFO_BLOCK = timedelta(hours=2)
_CHUNK = 64 * 1024
#: Seconds to open the connection (TCP and TLS): a site that cannot is down.
CONNECT_TIMEOUT = 5.0
#: Seconds for the whole answer to a request other than a discovery page: the
#: XML API answers sign-in, GetSite and GetSessionInfo batches in about a second.
READ_TIMEOUT = 10.0
#: Seconds for the whole answer to one discovery page (up to 500 rows, about
#: 1 MB), which a site assembles more slowly.
PAGE_READ_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSettings:
    """Where requests go and how long each may take (see the module docstring)."""

    url: str
    max_body_bytes: int
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    page_read_timeout: float = PAGE_READ_TIMEOUT

    def __post_init__(self) -> None:
        if min(self.connect_timeout, self.read_timeout, self.page_read_timeout) <= 0:
            raise ValueError("timeouts must be positive")

    def read_deadline(self, *, page: bool = False) -> float:
        """Seconds the whole answer may take once connected."""
        return self.page_read_timeout if page else self.read_timeout

    def timeout(self, *, page: bool = False) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for one request: ``total`` is the bound that counts
        (connect plus the read deadline); ``sock_read`` alone would never stop
        a trickle."""
        read = self.read_deadline(page=page)
        return aiohttp.ClientTimeout(
            total=self.connect_timeout + read, connect=self.connect_timeout, sock_read=read
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
    response: aiohttp.ClientResponse, *, session_info: bool, clock: Clock
) -> WebexError:
    status = response.status
    if status == 403 and session_info:
        now = clock()
        until = _retry_after(response.headers.get("Retry-After"), now)
        return SessionInfoBlockedError(until or now + SESSION_INFO_BLOCK)
    if status == 403:
        return AccessDeniedError("HTTP 403 Forbidden")
    if status == 429:
        now = clock()
        later = _retry_after(response.headers.get("Retry-After"), now)
        wait = 60.0 if later is None else max((later - now).total_seconds(), 0.0)
        return RateLimitedError("HTTP 429 Too Many Requests", retry_after=wait)
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
    clock: Clock,
    page: bool = False,
) -> bytes:
    """POST ``payload``; return the raw body of a 200 answer. ``page``: a
    discovery page, which gets the longer read deadline.

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
            timeout=settings.timeout(page=page),
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
        within = settings.connect_timeout + settings.read_deadline(page=page)
        raise WebexTimeoutError(f"the XML API endpoint did not answer within {within:g} s") from e
    except aiohttp.ClientPayloadError as e:
        raise WebexDecodeError("the response body was truncated") from e
    except aiohttp.ClientError as e:
        raise WebexTransportError(f"cannot reach the XML API endpoint: {type(e).__name__}") from e
