"""The XML client's calls counted by operation and outcome, for its metrics.

:class:`InstrumentedWebex` wraps an :class:`~adapters.webex.xmlapi.XmlApiClient`
(or anything with its methods) and reports every call of a known method as
the XML API operation it performs, with its outcome: ``success``, the
exceptionID of a FAILURE answer, ``blocked_403``, ``transport`` or the error's
class. What is done with the counts (a Prometheus counter) is the caller's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from adapters.errors import WebexError, WebexTransportError
from adapters.webex.xmlapi.errors import SessionInfoBlockedError

__all__ = ["OPERATIONS", "CountCall", "InstrumentedWebex", "outcome_of"]

T = TypeVar("T")

#: Told of one call: (operation, outcome, GetSessionInfo items asked for, else 0).
CountCall = Callable[[str, str, int], None]

#: Client method -> the XML API operation it performs.
OPERATIONS: Mapping[str, str] = {
    "site_capabilities": "GetSite",
    "list_sessions": "LstsummarySession",
    "list_live_sessions": "LstsummarySession",
    "list_open_sessions": "LstOpenSession",
    "get_session_infos": "GetSessionInfo",
    "meeting_types": "LstMeetingType",
    "time_zones": "LstTimeZone",
    "create_meeting": "CreateMeeting",
    "update_meeting": "SetMeeting",
    "live_state": "GetSessionInfo",
    "get_meeting": "GetMeeting",
    "delete_meeting": "DelMeeting",
}


def outcome_of(error: BaseException | None) -> str:
    """The ``outcome`` label of one call: success, an exceptionID, or a fault class."""
    if error is None:
        return "success"
    if isinstance(error, WebexError) and error.detail:
        return error.detail
    if isinstance(error, SessionInfoBlockedError):
        return "blocked_403"
    if isinstance(error, WebexTransportError):
        return "transport"
    if isinstance(error, WebexError):
        return type(error).__name__
    return "error"


class InstrumentedWebex:
    """A client that reports every call of the one it wraps to ``count``, by
    operation and outcome. Behaves exactly like the wrapped client otherwise."""

    def __init__(self, inner: Any, count: CountCall) -> None:
        self._inner = inner
        self._count = count

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        operation = OPERATIONS.get(name)
        if operation is None:
            return attr
        return self._counted(operation, attr, one_item=name == "live_state")

    def _counted(
        self, operation: str, call: Callable[..., Awaitable[T]], *, one_item: bool
    ) -> Callable[..., Awaitable[T]]:
        count = self._count

        async def counted(*args: Any, **kwargs: Any) -> T:
            try:
                result = await call(*args, **kwargs)
            except WebexError as e:
                count(operation, outcome_of(e), 0)
                raise
            items = 0
            if operation == "GetSessionInfo" and args:
                items = 1 if one_item else len(args[0])
            count(operation, "success", items)
            return result

        return counted
