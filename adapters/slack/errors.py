"""Slack Web API failures mapped onto :mod:`adapters.errors` chat errors.

The only module of the Slack adapter that knows slack_sdk's and aiohttp's
exceptions; everything it lets out is a :class:`adapters.errors.ChatError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.errors import (
    ChatDestinationGoneError,
    ChatError,
    ChatRateLimitedError,
    ChatRejectedError,
    ChatTransientError,
    ChatUnauthorizedError,
    ChatUnreachableError,
)

__all__ = [
    "AUTH_ERRORS",
    "GONE_ERRORS",
    "TRANSIENT_ERRORS",
    "SlackRejectedError",
    "guarded",
    "guarded_with_headers",
    "map_api_error",
]

#: Slack error codes that mean the token itself was refused: every call will fail.
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
#: Slack error codes that mean the channel cannot be posted to any more.
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
#: Slack error codes that may pass on their own.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_DEFAULT_RETRY_AFTER = 1.0


class SlackRejectedError(ChatRejectedError):
    """A refusal with Slack's error ``code`` (e.g. ``users_not_found``)."""

    def __init__(self, method: str, code: str) -> None:
        self.method = method
        self.code = code
        super().__init__(f"{method}: {code}")


async def guarded(
    call: Awaitable[AsyncSlackResponse], *, method: str, channel: str | None = None
) -> dict[str, Any]:
    """Await one Web API call and return its JSON body.

    Args:
        call: the pending slack_sdk call.
        method: the API method, for error messages.
        channel: the destination, named in ChatDestinationGoneError.

    Raises:
        ChatError: a subclass for every failure; never a slack_sdk or aiohttp error.
            ChatUnreachableError when no answer came at all.
    """
    data, _ = await guarded_with_headers(call, method=method, channel=channel)
    return data


async def guarded_with_headers(
    call: Awaitable[AsyncSlackResponse], *, method: str, channel: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """:func:`guarded`, also returning the answer's headers (lower-case names,
    one value each), e.g. ``x-oauth-scopes``."""
    try:
        response = await call
    except SlackApiError as e:
        raise map_api_error(e, method=method, channel=channel) from e
    except (aiohttp.ClientConnectionError, TimeoutError) as e:
        raise ChatUnreachableError(f"{method}: {_describe(e)}") from e
    except (SlackClientError, aiohttp.ClientError) as e:
        raise ChatTransientError(f"{method}: {type(e).__name__}") from e
    data = response.data
    return (dict(data) if isinstance(data, Mapping) else {}), _headers(response.headers)


def _describe(error: BaseException) -> str:
    # aiohttp's connector errors name the host and the OS reason, never the token.
    reason = str(error) if isinstance(error, aiohttp.ClientConnectorError) else ""
    return f"{type(error).__name__}: {reason}" if reason else type(error).__name__


def _headers(headers: object) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        return {}
    # aiohttp-backed responses keep header values as lists.
    return {
        str(name).lower(): str(value[0] if isinstance(value, list | tuple) and value else value)
        for name, value in headers.items()
    }


def map_api_error(error: SlackApiError, *, method: str, channel: str | None) -> ChatError:
    """The chat error for one refused call. Only Slack's error code and the HTTP
    status reach the message: slack_sdk's own text quotes the whole response."""
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, Mapping) else ""
    if status == 429 or code == "ratelimited":
        return ChatRateLimitedError(
            _retry_after(getattr(response, "headers", {})), f"{method}: ratelimited"
        )
    if status >= 500 or code in TRANSIENT_ERRORS:
        return ChatTransientError(f"{method}: {code or f'HTTP {status}'}")
    if code in AUTH_ERRORS:
        return ChatUnauthorizedError(method, code)
    if code in GONE_ERRORS:
        return ChatDestinationGoneError(channel or "?", code)
    return SlackRejectedError(method, code or f"HTTP {status}")


def _retry_after(headers: object) -> float:
    if not isinstance(headers, Mapping):
        return _DEFAULT_RETRY_AFTER
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            # aiohttp-backed responses keep header values as lists.
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                return _DEFAULT_RETRY_AFTER
    return _DEFAULT_RETRY_AFTER
