"""Errors raised by the adapters: the only exceptions that cross into bot/ and state/.

Library exceptions (aiohttp, lxml, slack_sdk, sqlite3) are caught at the adapter
boundary and re-raised as one of these, ``from`` the original.

::

    WebexError                          anything the Webex side raised
    ├── WebexApiError                   a FAILURE answer: exception_id, reason, value
    │   ├── NotFoundError               000015 (where not a plain empty list), 060001
    │   ├── TooManyBodyContentError     000053; .limit parsed from the reason
    │   ├── StartInPastError            060016
    │   ├── RateLimitedError            000045; .retry_after (seconds, 60)
    │   ├── CredentialsError            030001 / 030002: never retried automatically
    │   ├── AccessDeniedError           000001
    │   └── RestApiError                a REST answer 4xx with Cisco's error body:
    │       │                           status, message, tracking_id
    │       ├── RestNotFoundError       404 (also a NotFoundError)
    │       ├── RestAccessDeniedError   403; .scope names the missing scope (also
    │       │                           an AccessDeniedError)
    │       ├── RestCredentialsError    401 after a refresh, or a refused refresh
    │       │                           grant (also a CredentialsError)
    │       └── RestRateLimitedError    429 still there after the retries (also a
    │                                   RateLimitedError)
    ├── SessionInfoBlockedError         HTTP 403 on GetSessionInfo; .until (aware UTC)
    ├── PrivateMeetingUnsupportedError  the site has no private-capable meeting type
    ├── UnsafeXmlError                  a DOCTYPE/entity document or a body over the cap
    ├── WebhookError                    a webhook delivery refused before use
    │   ├── WebhookSignatureError       X-Spark-Signature missing or wrong
    │   ├── WebhookTooLargeError        the body is over the cap
    │   └── WebhookDecodeError          not a webhook envelope
    └── WebexTransportError             retryable: connection errors, 5xx
        ├── WebexTimeoutError           no answer in time
        └── WebexDecodeError            empty, truncated or non-XML bodies

    ChatError                           anything the chat side raised
    ├── ChatRateLimitedError            .retry_after (seconds)
    ├── ChatTransientError              retryable: 5xx, connection errors, timeouts
    │   └── ChatUnreachableError        no answer at all: connection refused, DNS, timeout
    ├── ChatUnauthorizedError           the credentials were refused (revoked token…):
    │                                   nothing can be sent until they work again
    ├── ChatDestinationGoneError        channel_not_found, not_in_channel, is_archived
    └── ChatRejectedError               any other refusal: not retried
        └── ChatLookupRefusedError      a history lookup was refused: "cannot check"

The store's failures are ``state.errors.StoreError``: state/ imports nothing
from adapters/.

Messages never contain credentials: a securityContext, a password or a token is
not part of any error text.
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "AccessDeniedError",
    "ChatDestinationGoneError",
    "ChatError",
    "ChatLookupRefusedError",
    "ChatRateLimitedError",
    "ChatRejectedError",
    "ChatTransientError",
    "ChatUnauthorizedError",
    "ChatUnreachableError",
    "CredentialsError",
    "NotFoundError",
    "PrivateMeetingUnsupportedError",
    "RateLimitedError",
    "RestAccessDeniedError",
    "RestApiError",
    "RestCredentialsError",
    "RestNotFoundError",
    "RestRateLimitedError",
    "SessionInfoBlockedError",
    "StartInPastError",
    "TooManyBodyContentError",
    "UnsafeXmlError",
    "WebexApiError",
    "WebexDecodeError",
    "WebexError",
    "WebexTimeoutError",
    "WebexTransportError",
    "WebhookDecodeError",
    "WebhookError",
    "WebhookSignatureError",
    "WebhookTooLargeError",
]


class WebexError(Exception):
    """Base class of every error from the Webex side."""

    retryable: bool = False


class WebexApiError(WebexError):
    """Webex answered FAILURE for one bodyContent.

    Attributes:
        exception_id: the six-digit ``serv:exceptionID`` ("" when absent).
        reason: ``serv:reason`` as Webex wrote it.
        value: ``serv:value`` when present (040014 lists the missing fields there).
        operation: the operation that failed, e.g. "GetSessionInfo".
    """

    def __init__(
        self,
        exception_id: str,
        reason: str,
        *,
        value: str | None = None,
        operation: str = "",
    ) -> None:
        self.exception_id = exception_id
        self.reason = reason
        self.value = value
        self.operation = operation
        where = f"{operation}: " if operation else ""
        code = f" ({exception_id})" if exception_id else ""
        super().__init__(f"{where}{reason}{code}")


class NotFoundError(WebexApiError):
    """The meeting or session does not exist (060001, or 000015 on a lookup)."""


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


class StartInPastError(WebexApiError):
    """060016: a meeting may not start in the past."""


class RateLimitedError(WebexApiError):
    """000045: the per-minute API rate limit was reached; retry after ``retry_after`` s."""

    retryable = True

    def __init__(
        self,
        exception_id: str,
        reason: str,
        *,
        retry_after: float = 60.0,
        value: str | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(exception_id, reason, value=value, operation=operation)
        self.retry_after = retry_after


class CredentialsError(WebexApiError):
    """030001 / 030002: the site refused the account. Never retried automatically:
    repeated failures lock the account."""


class AccessDeniedError(WebexApiError):
    """000001: the account may not see or change this object."""


class RestApiError(WebexApiError):
    """The REST API refused a call: HTTP ``status`` with Cisco's error body.

    Attributes:
        status: the HTTP status.
        message: the body's ``message`` (the status text when there was none).
        descriptions: the ``errors[].description`` texts that add to ``message``.
        tracking_id: Cisco's ``trackingId`` (body or ``Trackingid`` header), "" if none.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        descriptions: tuple[str, ...] = (),
        tracking_id: str = "",
        operation: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.descriptions = descriptions
        self.tracking_id = tracking_id
        detail = "; ".join(d for d in descriptions if d != message)
        reason = f"HTTP {status}: {message}" + (f" ({detail})" if detail else "")
        if tracking_id:
            reason += f" [trackingId {tracking_id}]"
        super().__init__("", reason, operation=operation)


class RestNotFoundError(RestApiError, NotFoundError):
    """404: the meeting, participant or webhook is not there (or not visible)."""


class RestAccessDeniedError(RestApiError, AccessDeniedError):
    """403: the token lacks a scope or the user a role; ``scope`` names the
    missing scope when the answer said which, else None."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        scope: str | None = None,
        descriptions: tuple[str, ...] = (),
        tracking_id: str = "",
        operation: str = "",
    ) -> None:
        self.scope = scope
        super().__init__(
            status,
            message,
            descriptions=descriptions,
            tracking_id=tracking_id,
            operation=operation,
        )


class RestCredentialsError(RestApiError, CredentialsError):
    """The access token was refused and no refresh helped (none possible, the
    grant refused, or a 401 again right after one). Not retried automatically."""


class RestRateLimitedError(RestApiError, RateLimitedError):
    """429 even after waiting ``Retry-After`` the allowed number of times;
    ``retry_after`` is the last wait asked for, in seconds."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        retry_after: float,
        descriptions: tuple[str, ...] = (),
        tracking_id: str = "",
        operation: str = "",
    ) -> None:
        super().__init__(
            status,
            message,
            descriptions=descriptions,
            tracking_id=tracking_id,
            operation=operation,
        )
        self.retry_after = retry_after


class SessionInfoBlockedError(WebexError):
    """HTTP 403 on GetSessionInfo: the hourly limit was passed and the site blocks
    the account's GetSessionInfo calls until ``until`` (aware UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"GetSessionInfo is blocked by the site until {until.isoformat()}")


class PrivateMeetingUnsupportedError(WebexError):
    """A private meeting was asked for, but no meeting type of the site supports it."""

    def __init__(self) -> None:
        super().__init__(
            "this Webex site has no meeting type that supports private meetings "
            "(SupportPrivateMeeting)"
        )


class UnsafeXmlError(WebexError):
    """The response was refused before parsing: a DOCTYPE, entity declarations, or a
    body larger than the cap. Not retried: the same server would send it again."""


class WebhookError(WebexError):
    """A delivery to the webhook route is refused: it changes nothing."""


class WebhookSignatureError(WebhookError):
    """``X-Spark-Signature`` is missing or is not the HMAC of the body."""


class WebhookTooLargeError(WebhookError):
    """The body is larger than ``limit`` bytes (checked before anything else)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"webhook body of {size} bytes is over the {limit}-byte cap")


class WebhookDecodeError(WebhookError):
    """A correctly signed body that is not a webhook envelope."""


class WebexTransportError(WebexError):
    """The request did not produce a usable answer; trying again later may work."""

    retryable = True


class WebexTimeoutError(WebexTransportError, TimeoutError):
    """Connecting or reading took longer than the configured timeout."""


class WebexDecodeError(WebexTransportError):
    """The body was empty, truncated or not the XML API's message format."""


class ChatError(Exception):
    """Base class of every error from the chat side."""

    retryable: bool = False


class ChatRateLimitedError(ChatError):
    """The chat service asked us to slow down for ``retry_after`` seconds."""

    retryable = True

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        self.retry_after = retry_after
        super().__init__(f"{detail}; retry after {retry_after:g} s")


class ChatTransientError(ChatError):
    """A failure that may pass: 5xx, timeouts, connection errors."""

    retryable = True


class ChatUnreachableError(ChatTransientError):
    """No answer came at all (connection refused, name not resolved, timeout): the
    address or the network is at fault, not the credentials."""


class ChatDestinationGoneError(ChatError):
    """The channel cannot be posted to any more (channel_not_found, not_in_channel,
    is_archived). ``reason`` is the chat service's error code."""

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(f"cannot post to {channel}: {reason}")


class ChatRejectedError(ChatError):
    """The chat service refused the call for another reason; retrying will not help."""


class ChatLookupRefusedError(ChatRejectedError):
    """Reading a channel's history was refused (e.g. ``not_in_channel`` for a public
    channel the bot posts to without being a member, and joining it failed).

    It means "cannot check", never "the channel is gone": posting may still work.
    ``reason`` is the chat service's error code.
    """

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(f"cannot read {channel}: {reason}")


class ChatUnauthorizedError(ChatError):
    """The chat service refused the bot's credentials (``invalid_auth``,
    ``token_revoked``, ``account_inactive``, ``not_authed``). Nothing can be sent
    anywhere until they work again; ``code`` is the service's error code."""

    def __init__(self, method: str, code: str) -> None:
        self.method = method
        self.code = code
        super().__init__(f"{method}: the bot token was refused ({code})")
