"""One REST call, authorised, gated, retried where the API says so, and mapped.

Every call goes to ``{base_url}<path>`` with ``Authorization: Bearer <token>``
and JSON in and out, through one aiohttp session. Deadlines: ``connect``
seconds to connect, ``total`` for the whole answer. On the way:

1. before a call, the token is renewed when it is about to expire (if that
   fails, the call goes out with the old token, which still works a while);
2. a 401 renews the token once and repeats the call; a second 401 is final;
3. a 429 closes the client's :class:`~.gate.RateGate` for ``Retry-After``
   seconds and the call is repeated after it, ``rate_limit_retries`` times;
4. everything else that is not 2xx becomes a typed error (:mod:`.wire`);
   5xx and timeouts are retryable errors for the caller to back off on.

URLs of ``Link`` headers are followed only on the base URL's origin and
path: a foreign link would otherwise receive the token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from adapters.errors import (
    WebexDecodeError,
    WebexError,
    WebexTimeoutError,
    WebexTransportError,
)

from .auth import TokenKeeper
from .gate import RateGate
from .wire import error_for, next_link, retry_after_seconds

__all__ = ["DEFAULT_BASE_URL", "Answer", "RestSettings", "RestTransport"]

logger = logging.getLogger("meetbot.webex.rest")

DEFAULT_BASE_URL = "https://webexapis.com/v1/"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class RestSettings:
    """Where calls go, how long each may take and how often a 429 is sat out.

    ``longest_rate_wait`` bounds one wait at the gate: a longer ``Retry-After``
    fails the call at once (:class:`~adapters.errors.RestRateLimitedError`).
    """

    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5.0
    total_timeout: float = 10.0
    rate_limit_retries: int = 2
    longest_rate_wait: float = 60.0
    max_body_bytes: int = 8 * 1024 * 1024

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            raise ValueError("base_url must end with '/', e.g. https://webexapis.com/v1/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL")
        if min(self.connect_timeout, self.total_timeout, self.max_body_bytes) <= 0:
            raise ValueError("timeouts and max_body_bytes must be positive")
        if self.rate_limit_retries < 0 or self.longest_rate_wait < 0:
            raise ValueError("rate_limit_retries and longest_rate_wait must be >= 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """A 2xx answer: its status, its JSON body (None when empty) and the next
    page's URL (None on the last page or when not a listing)."""

    status: int
    body: Any
    next_url: str | None


class RestTransport:
    """Owns the aiohttp session (opened on first use) and sends every call.

    Args:
        settings: base URL, deadlines, rate-limit policy.
        keeper: the tokens and their renewal.
        gate: the rate gate; a new one by default.
    """

    def __init__(
        self, settings: RestSettings, keeper: TokenKeeper, *, gate: RateGate | None = None
    ) -> None:
        self.settings = settings
        self.keeper = keeper
        self.gate = gate or RateGate()
        base = urlsplit(settings.base_url)
        self._origin = (base.scheme, base.netloc)
        self._base_path = base.path
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the session; safe to call twice."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, path: str) -> str:
        """The URL of ``path`` (relative to the base, its segments already
        percent-encoded) or of a ``Link`` URL.

        Raises:
            WebexDecodeError: an absolute URL outside the base URL.
        """
        if "://" not in path:
            return self.settings.base_url + path.lstrip("/")
        target = urlsplit(path)
        if (target.scheme, target.netloc) != self._origin or not target.path.startswith(
            self._base_path
        ):
            raise WebexDecodeError("a Link header pointed outside the REST API")
        return path

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Answer:
        """Send one call (rules 1-4 of the module docstring).

        Args:
            method: GET, POST, PUT, DELETE.
            path: relative to the base URL (``meetings/abc``), or a ``Link`` URL.
            params: query parameters.
            body: JSON-encodable request body, None for none.

        Raises:
            RestCredentialsError, RestAccessDeniedError, RestNotFoundError,
            RestRateLimitedError, RestApiError: the API refused the call.
            WebexTimeoutError, WebexTransportError, WebexDecodeError: no usable
                answer (retryable).
        """
        url = self.url(path)
        operation = f"{method} {urlsplit(url).path.removeprefix(self._base_path)}"
        if self.keeper.due():
            try:
                await self.keeper.renew(self._grant)
            except WebexError as e:
                # The token still works for a while: use it, a 401 tries again.
                logger.warning("renewing the Webex access token failed: %s", e)
        renewed = False
        waits = 0
        while True:
            await self.gate.wait(longest=self.settings.longest_rate_wait, operation=operation)
            token = self.keeper.tokens.access_token
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            status, answer_headers, raw = await self._send(
                method, url, operation, headers=headers, params=params, json_body=body
            )
            if 200 <= status < 300:
                return Answer(
                    status=status,
                    body=_json(raw, operation),
                    next_url=next_link(answer_headers.get("Link")),
                )
            if status == 401 and not renewed:
                renewed = True
                await self.keeper.renew(self._grant, refused=token)
                continue
            wait = retry_after_seconds(answer_headers.get("Retry-After"))
            if status == 429:
                self.gate.close_for(wait)
                if waits < self.settings.rate_limit_retries:
                    waits += 1
                    logger.warning("%s: rate limited, all calls wait %g s", operation, wait)
                    continue
            raise error_for(
                status,
                raw,
                tracking_header=answer_headers.get("Trackingid", ""),
                retry_after=wait,
                operation=operation,
            )

    async def _grant(self, form: Mapping[str, str]) -> Any:
        """POST the refresh form to ``{base}access_token``; the JSON answer."""
        url = self.url("access_token")
        operation = "POST access_token"
        await self.gate.wait(longest=self.settings.longest_rate_wait, operation=operation)
        status, headers, raw = await self._send(
            "POST", url, operation, headers={"Accept": "application/json"}, form=form
        )
        if status != 200:
            raise error_for(
                status,
                raw,
                tracking_header=headers.get("Trackingid", ""),
                retry_after=retry_after_seconds(headers.get("Retry-After")),
                operation=operation,
            )
        return _json(raw, operation)

    async def _send(
        self,
        method: str,
        url: str,
        operation: str,
        *,
        headers: dict[str, str],
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        settings = self.settings
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(
            total=settings.total_timeout, connect=settings.connect_timeout
        )
        data: Any = dict(form) if form is not None else None
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                params=dict(params) if params else None,
                json=json_body,
                data=data,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                raw = await _read_capped(response, settings.max_body_bytes, operation)
                return response.status, response.headers, raw
        except TimeoutError as e:
            raise WebexTimeoutError(
                f"{operation}: no answer from the REST API within {settings.total_timeout:g} s"
            ) from e
        except aiohttp.ClientPayloadError as e:
            raise WebexDecodeError(f"{operation}: the answer was truncated") from e
        except aiohttp.ClientError as e:
            raise WebexTransportError(
                f"{operation}: cannot reach the REST API: {type(e).__name__}"
            ) from e


async def _read_capped(response: aiohttp.ClientResponse, limit: int, operation: str) -> bytes:
    too_big = WebexDecodeError(f"{operation}: the answer is larger than {limit} bytes")
    if response.content_length is not None and response.content_length > limit:
        response.close()
        raise too_big
    parts: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def _json(raw: bytes, operation: str) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise WebexDecodeError(f"{operation}: the answer is not JSON") from e
