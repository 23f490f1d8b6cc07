"""``POST /slack/events``: refuse cheaply what is not Slack's, then hand to bolt.

In order, each step before anything more expensive:

1. read the body within ``body_timeout`` seconds (408 otherwise) and at most
   the application's ``client_max_size`` (413);
2. verify the signature on the raw bytes (401: nothing is parsed, and the
   refusals are logged at most once a minute, with a count, so unsigned
   traffic cannot fill the log);
3. decode and parse the body exactly as bolt will, and check its shape
   (:func:`bot.serve.slack_requests.classify`): malformed signed input gets 400 and
   one log line, never a traceback; a well-formed request the app does not
   handle is acknowledged (200) without bolt;
4. only then build bolt's request and dispatch it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.serve.slack_requests import Malformed, Verdict, classify

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "RefusalLog",
    "SlackEndpoint",
    "events_handler",
    "signature_ok",
]

logger = logging.getLogger("meetbot.web")

#: Slack sends a few kB at once; a body still incomplete after this is a stalled client.
DEFAULT_BODY_TIMEOUT = 5.0
#: Slack's limit on a request's age (and on clock skew the other way).
MAX_AGE_SECONDS = 300
#: At most one log line per this many seconds about unsigned or forged requests.
_REFUSAL_LOG_INTERVAL = 60.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackEndpoint:
    """What ``/slack/events`` needs: the bolt app and the secret Slack signs with."""

    app: AsyncApp
    signing_secret: str
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    #: Unix time in seconds, for the signature's age.
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if not self.signing_secret:
            raise ValueError("a signing secret is required to serve /slack/events")
        if self.body_timeout <= 0:
            raise ValueError("body_timeout must be positive")


class RefusalLog:
    """Logs the first refusal of requests to ``path``, then at most one line per
    interval with a count, so unsigned traffic cannot fill the log."""

    def __init__(
        self,
        path: str,
        interval: float = _REFUSAL_LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = path
        self._interval = interval
        self._clock = clock
        self._last: float | None = None
        self._suppressed = 0

    def refused(self, reason: str) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            self._suppressed += 1
            return
        more = f" (and {self._suppressed} more since the last report)" if self._suppressed else ""
        logger.warning("refused a request to %s: %s%s", self._path, reason, more)
        self._last, self._suppressed = now, 0


def signature_ok(secret: str, body: bytes, timestamp: str, signature: str, *, now: float) -> bool:
    """Whether ``signature`` is Slack's v0 signature of ``body`` sent at
    ``timestamp`` (Unix seconds, within :data:`MAX_AGE_SECONDS` of ``now``).

    Works on the raw bytes and never raises: a timestamp that is not a number,
    or a body that is not UTF-8, is simply not valid (slack_sdk's verifier
    raises on both).
    """
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def events_handler(endpoint: SlackEndpoint) -> Handler:
    """The aiohttp handler of ``POST /slack/events``; see the module docstring."""
    refusals = RefusalLog("/slack/events")

    async def events(request: web.Request) -> web.StreamResponse:
        try:
            async with asyncio.timeout(endpoint.body_timeout):
                raw = await request.read()
        except TimeoutError:
            logger.warning(
                "a request to /slack/events sent no complete body within %g s; dropped",
                endpoint.body_timeout,
            )
            return _error(408, "request body timeout")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp and signature):
            refusals.refused("no signature headers")
            return _error(401, "invalid request")
        if not signature_ok(
            endpoint.signing_secret, raw, timestamp, signature, now=endpoint.clock()
        ):
            refusals.refused("bad or stale signature (check SLACK_SIGNING_SECRET)")
            return _error(401, "invalid request")
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        # What bolt's parser and context extractors raise on what they cannot read.
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
            return _malformed(Malformed(f"unreadable body ({type(e).__name__})"))
        verdict = classify(bolt_request.body)
        if isinstance(verdict, Malformed):
            return _malformed(verdict)
        if verdict is Verdict.IGNORE:
            return web.Response(status=200)
        bolt_response = await endpoint.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    return events


def _malformed(problem: Malformed) -> web.Response:
    logger.warning("refused a signed but malformed Slack request: %s", problem.reason)
    return _error(400, "malformed request")
