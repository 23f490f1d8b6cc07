"""Errors raised by the adapters: the only exceptions that cross into bot/ and state/.

Library exceptions (aiohttp, lxml, slack_sdk, sqlite3) are caught at the adapter
boundary and re-raised as one of these, ``from`` the original.

The Webex half is backend-neutral: what the core reacts to (not found, rate
limited, credentials refused…) hangs off :class:`WebexError` directly, whichever
API said it; what the backend said exactly (the XML API's six-digit exceptionID,
the REST API's trackingId) is the optional ``detail``. Errors only one backend
can raise live beside it (e.g. ``adapters.webex.xmlapi.errors``).

::

    WebexError                          anything the Webex side raised; .detail, .reason
    ├── NotFoundError                   the meeting does not exist
    ├── StartInPastError                a meeting may not start in the past
    ├── RateLimitedError                slow down: .retry_after (s); .until (aware UTC) when
    │                                   the site blocks calls until a known instant
    ├── CredentialsError                the site refused the account: never retried
    ├── AccessDeniedError               the account may not see or change this object
    ├── WebexApiError                   any other FAILURE answer of the XML API:
    │                                   exception_id, reason, value
    ├── RestApiError                    a REST answer 4xx with Cisco's error body:
    │   │                               status, message, tracking_id
    │   ├── RestNotFoundError           404 (also a NotFoundError)
    │   ├── RestAccessDeniedError       403; .scope names the missing scope (also
    │   │                               an AccessDeniedError)
    │   ├── RestCredentialsError        401 after a refresh, or a refused refresh
    │   │                               grant (also a CredentialsError)
    │   └── RestRateLimitedError        429 still there after the retries (also a
    │                                   RateLimitedError)
    ├── PrivateMeetingUnsupportedError  the site has no private-capable meeting type
    ├── UnsafeXmlError                  a DOCTYPE/entity document or a body over the cap
    ├── WebhookError                    a webhook delivery refused before use
    │   ├── WebhookSignatureError       X-Spark-Signature missing or wrong
    │   ├── WebhookTooLargeError        the body is over the cap
    │   └── WebhookDecodeError          not a webhook envelope
    └── WebexTransportError             retryable: connection errors, 5xx
        ├── WebexTimeoutError           no answer in time
        └── WebexDecodeError            empty, truncated or undecodable bodies

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
    "StartInPastError",
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
    """Base class of every error from the Webex side.

    Attributes:
        reason: what the site said, as it said it (or what went wrong).
        detail: the backend's own code for it, when it gave one (the XML API's
            exceptionID, the REST API's trackingId); None otherwise.
        operation: the operation that failed, e.g. "GetSessionInfo" ("" when unsaid).
    """

    retryable: bool = False

    def __init__(self, reason: str = "", *, detail: str | None = None, operation: str = "") -> None:
        self.reason = reason
        self.detail = detail or None
        self.operation = operation
        where = f"{operation}: " if operation else ""
        code = f" ({detail})" if detail else ""
        super().__init__(f"{where}{reason}{code}")


class NotFoundError(WebexError):
    """The meeting does not exist (XML: 060001, or 000015 on a lookup)."""


class StartInPastError(WebexError):
    """A meeting may not start in the past (XML: 060016)."""


class RateLimitedError(WebexError):
    """The site asks for fewer calls: retry after ``retry_after`` seconds (XML: 000045,
    HTTP 429). ``until`` is set when the site blocks calls until a known instant
    (aware UTC), e.g. the XML API's two-hour GetSessionInfo block."""

    retryable = True

    def __init__(
        self,
        reason: str = "rate limited",
        *,
        retry_after: float = 60.0,
        until: datetime | None = None,
        detail: str | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(reason, detail=detail, operation=operation)
        self.retry_after = retry_after
        self.until = until


class CredentialsError(WebexError):
    """The site refused the account (XML: 030001 / 030002). Never retried
    automatically: repeated failures lock the account."""


class AccessDeniedError(WebexError):
    """The account may not see or change this object (XML: 000001, HTTP 403)."""


class WebexApiError(WebexError):
    """The XML API answered FAILURE for one bodyContent, with no more specific
    class above.

    Attributes:
        exception_id: the six-digit ``serv:exceptionID`` ("" when absent); also
            the ``detail``.
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
        super().__init__(reason, detail=exception_id, operation=operation)
        self.exception_id = exception_id
        self.value = value


class RestApiError(WebexError):
    """The REST API refused a call: HTTP ``status`` with Cisco's error body.

    Attributes:
        status: the HTTP status.
        message: the body's ``message`` (the status text when there was none).
        descriptions: the ``errors[].description`` texts that add to ``message``.
        tracking_id: Cisco's ``trackingId`` (body or ``Trackingid`` header), "" if none;
            also the ``detail`` (None if none).
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
        super().__init__(reason, operation=operation)
        self.detail = tracking_id or None  # already in the reason, so not again


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
    """The body was empty, truncated or not in the API's message format."""


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
