"""The one place Slack Web API clients are built."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["NO_RETRIES", "RetryPolicy", "make_web_client"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often one call is retried inside the client before its error is raised.

    Kept small: a notification that still fails goes back to the outbox, whose own
    backoff is the long-term retry. ``rate_limited`` retries sleep Retry-After.
    """

    connection_errors: int = 1
    rate_limited: int = 1
    server_errors: int = 2

    def __post_init__(self) -> None:
        if min(self.connection_errors, self.rate_limited, self.server_errors) < 0:
            raise ValueError("retry counts cannot be negative")


NO_RETRIES = RetryPolicy(connection_errors=0, rate_limited=0, server_errors=0)


def make_web_client(
    token: str, base_url: str, *, retries: RetryPolicy = RetryPolicy(), timeout: int = 15
) -> AsyncWebClient:
    """A Web API client for ``base_url`` (Slack's, or a fake's) with bounded retries.

    Args:
        token: the bot token (xoxb-...).
        base_url: the Web API root, ending in a slash.
        retries: per-call retry counts.
        timeout: seconds per HTTP request.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=retries.connection_errors),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries.rate_limited),
            AsyncServerErrorRetryHandler(max_retry_count=retries.server_errors),
        ],
    )
