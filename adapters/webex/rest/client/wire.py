"""Reading the REST API's answers: error bodies, ``Retry-After`` and ``Link``.

Pure functions, no I/O. Rules (Cisco's "REST API Basics" and error examples):

1. A refusal carries JSON ``{"message", "errors": [{"description"}],
   "trackingId"}``; any part may be missing, and a 429 may carry an HTML body.
   The tracking id falls back to the ``Trackingid`` header.
2. 401 is a token problem, 403 a missing scope or role (the description may
   name the scope), 404 a missing object, 429 a rate limit with
   ``Retry-After`` in seconds (15 s when absent or unreadable, at least 1 s);
   5xx are the service's trouble and worth trying again later.
3. Pages link on with ``Link: <url>; rel="next"``; only ``next`` counts, and
   the last page has none.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from adapters.errors import (
    RestAccessDeniedError,
    RestApiError,
    RestCredentialsError,
    RestNotFoundError,
    RestRateLimitedError,
    WebexError,
    WebexTransportError,
)

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "ErrorBody",
    "error_for",
    "missing_scope",
    "next_link",
    "parse_error_body",
    "retry_after_seconds",
]

#: Seconds to wait after a 429 that names no usable ``Retry-After``.
DEFAULT_RETRY_AFTER = 15.0
_MIN_RETRY_AFTER = 1.0
_SCOPE = re.compile(r"\b((?:meeting|spark|spark-compliance|spark-admin):[A-Za-z_]+)\b")
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";]+)"?""")


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorBody:
    """What a refusal's body said; empty fields when it said nothing usable."""

    message: str = ""
    descriptions: tuple[str, ...] = ()
    tracking_id: str = ""


def parse_error_body(raw: bytes) -> ErrorBody:
    """The Cisco error fields of ``raw``; an empty :class:`ErrorBody` for a body
    that is not such JSON (an HTML 429 page, a proxy's error page)."""
    try:
        body: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return ErrorBody()
    if not isinstance(body, dict):
        return ErrorBody()
    message = body.get("message")
    errors = body.get("errors")
    descriptions: list[str] = []
    if isinstance(errors, list):
        for item in errors:
            text = item.get("description") if isinstance(item, dict) else None
            if isinstance(text, str) and text:
                descriptions.append(text)
    tracking = body.get("trackingId")
    return ErrorBody(
        message=message if isinstance(message, str) else "",
        descriptions=tuple(descriptions),
        tracking_id=tracking if isinstance(tracking, str) else "",
    )


def missing_scope(body: ErrorBody) -> str | None:
    """The scope a 403 names (``meeting:admin_schedule_read``…), or None."""
    for text in (*body.descriptions, body.message):
        found = _SCOPE.search(text)
        if found:
            return found.group(1)
    return None


def retry_after_seconds(value: str | None) -> float:
    """``Retry-After`` as seconds to wait, at least 1 s. Cisco sends seconds;
    anything else (absent, an HTTP date, garbage) means the default."""
    if value is not None:
        try:
            seconds = float(value.strip())
        except ValueError:
            return DEFAULT_RETRY_AFTER
        if math.isfinite(seconds):
            return max(seconds, _MIN_RETRY_AFTER)
    return DEFAULT_RETRY_AFTER


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, or None on the last page."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        url, params = match.group(1).strip(), match.group(2)
        for rel in _REL.finditer(params):
            if "next" in rel.group(1).split():
                return url or None
    return None


def error_for(
    status: int,
    raw: bytes,
    *,
    tracking_header: str = "",
    retry_after: float = DEFAULT_RETRY_AFTER,
    operation: str = "",
) -> WebexError:
    """The typed error for a non-2xx answer (rule 2). Never includes a token:
    only the status and what the body said.

    Returns:
        RestCredentialsError (401), RestAccessDeniedError (403),
        RestNotFoundError (404), RestRateLimitedError (429),
        WebexTransportError (5xx, and 408), RestApiError (any other 4xx).
    """
    body = parse_error_body(raw)
    if status >= 500 or status == 408:
        text = f"HTTP {status}" + (f": {body.message}" if body.message else "")
        if body.tracking_id or tracking_header:
            text += f" [trackingId {body.tracking_id or tracking_header}]"
        where = f"{operation}: " if operation else ""
        return WebexTransportError(f"{where}{text} from the REST API")
    message = body.message or _STATUS_TEXT.get(status, "Refused")
    fields: dict[str, Any] = {
        "descriptions": body.descriptions,
        "tracking_id": body.tracking_id or tracking_header,
        "operation": operation,
    }
    if status == 401:
        return RestCredentialsError(status, message, **fields)
    if status == 403:
        return RestAccessDeniedError(status, message, scope=missing_scope(body), **fields)
    if status == 404:
        return RestNotFoundError(status, message, **fields)
    if status == 429:
        return RestRateLimitedError(status, message, retry_after=retry_after, **fields)
    return RestApiError(status, message, **fields)


_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    415: "Unsupported Media Type",
    423: "Locked",
    428: "Precondition Required",
    429: "Too Many Requests",
}
