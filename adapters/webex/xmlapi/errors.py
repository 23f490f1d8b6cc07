"""Errors only the XML API raises, beside the neutral tree of :mod:`adapters.errors`.

::

    adapters.errors.WebexApiError
    └── TooManyBodyContentError     000053; .limit parsed from the reason
    adapters.errors.RateLimitedError
    └── SessionInfoBlockedError     HTTP 403 on GetSessionInfo; .until (aware UTC)

Outside the XML client and its feed, a block is just a
:class:`~adapters.errors.RateLimitedError` whose ``until`` is set.
"""

from __future__ import annotations

from datetime import datetime

from adapters.errors import RateLimitedError, WebexApiError

__all__ = ["SessionInfoBlockedError", "TooManyBodyContentError"]


class TooManyBodyContentError(WebexApiError):
    """000053: the request held more bodyContent than the site allows.

    ``limit`` is the largest count the site accepts (the reason says "must be
    less than N", so ``limit`` is N - 1), or None when the reason had no number.
    """

    def __init__(
        self,
        exception_id: str,
        reason: str,
        *,
        limit: int | None,
        value: str | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(exception_id, reason, value=value, operation=operation)
        self.limit = limit


class SessionInfoBlockedError(RateLimitedError):
    """HTTP 403 on GetSessionInfo: the hourly limit was passed and the site blocks
    the account's GetSessionInfo calls until ``until`` (aware UTC)."""

    until: datetime

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"GetSessionInfo is blocked by the site until {until.isoformat()}", until=until
        )
