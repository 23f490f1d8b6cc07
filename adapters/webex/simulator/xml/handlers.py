"""One XML request in, one answer out: limits, authentication, dispatch.

Order of checks, as a Webex site applies them: too many bodyContent (every
item fails 000053), then credentials (030002; an anonymous LstsummarySession
gets 000015), then the GetSessionInfo hourly budget (the whole request is
refused with HTTP 403), then each item on its own: a failing item never stops
the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import ep_handlers, meeting_handlers, site_handlers
from .access import NO_RECORD
from .protocol import Body, Outcome, ParsedRequest, SimFailure
from .records import User
from .site import SimulatedSite

__all__ = ["OPERATIONS", "Answer", "answer", "caller_of", "canonical_operation"]

Handler = Callable[[SimulatedSite, User, Body], Outcome]

#: Operation handlers by lower-cased name (Webex matches names loosely).
OPERATIONS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler)
    for name, handler in (
        ("GetSessionInfo", ep_handlers.get_session_info),
        ("LstsummarySession", ep_handlers.lstsummary_session),
        ("LstOpenSession", ep_handlers.lst_open_session),
        ("CreateMeeting", meeting_handlers.create_meeting),
        ("SetMeeting", meeting_handlers.set_meeting),
        ("GetMeeting", meeting_handlers.get_meeting),
        ("DelMeeting", meeting_handlers.del_meeting),
        ("GetSite", site_handlers.get_site),
        ("LstTimeZone", site_handlers.lst_time_zone),
        ("LstMeetingType", site_handlers.lst_meeting_type),
        ("GetMeetingType", site_handlers.get_meeting_type),
    )
}
_AUTHENTICATE = "authenticateuser"
#: Operations that count against the hourly usage limit.
_BUDGETED = frozenset({"getsessioninfo", "getusercard"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """Outcomes in request order, or ``forbidden`` (HTTP 403, no body)."""

    outcomes: tuple[Outcome, ...] = ()
    forbidden: bool = False


def canonical_operation(name: str) -> str:
    """The site's spelling of an operation name; unknown names as sent."""
    if name.lower() == _AUTHENTICATE:
        return "AuthenticateUser"
    known = OPERATIONS.get(name.lower())
    return name if known is None else known[0]


def caller_of(site: SimulatedSite, request: ParsedRequest) -> User | None:
    """The authenticated account, or None (anonymous or wrong credentials)."""
    security = request.security
    if (security.site_name or "").lower() != site.site_name.lower():
        return None
    if security.session_ticket:
        user = site.user_for_ticket(security.session_ticket)
        if user is None or (
            security.webex_id and security.webex_id.lower() != user.webex_id.lower()
        ):
            return None
        return user
    if not security.webex_id:
        return None
    user = site.user(security.webex_id)
    if user is None or security.password is None or user.password != security.password:
        return None
    return user


def answer(site: SimulatedSite, request: ParsedRequest, caller: User | None) -> Answer:
    """Apply the site's rules to a parsed request from ``caller`` (see the module
    docstring and :func:`caller_of`)."""
    count = len(request.items)
    if count > site.body_content_limit:
        failure = SimFailure(
            "000053",
            f"BodyContent count in a request must be less than {site.body_content_limit + 1}",
        )
        return Answer(outcomes=tuple(Outcome(failure=failure) for _ in range(count)))
    anonymous = not request.security.webex_id and not request.security.session_ticket
    budgeted = sum(1 for op in request.operations if op.lower() in _BUDGETED)
    if caller is not None and budgeted and not site.charge_session_info(caller.webex_id, budgeted):
        return Answer(forbidden=True)
    site_ok = (request.security.site_name or "").lower() == site.site_name.lower()
    return Answer(
        outcomes=tuple(
            _one(site, caller, anonymous, site_ok, op, body) for op, body in request.items
        )
    )


def _one(
    site: SimulatedSite,
    caller: User | None,
    anonymous: bool,
    site_ok: bool,
    operation: str,
    body: Body,
) -> Outcome:
    name = operation.lower()
    try:
        if name == _AUTHENTICATE:
            if not site_ok:
                raise SimFailure(*site_handlers.BAD_CREDENTIALS)
            return site_handlers.authenticate_user(site, caller, body)
        known = OPERATIONS.get(name)
        if known is None:
            raise SimFailure("999999", f"Unsupported operation: {operation or '(none)'}")
        if caller is None:
            if anonymous and name == "lstsummarysession":
                raise SimFailure(*NO_RECORD)
            raise SimFailure(*site_handlers.BAD_CREDENTIALS)
        return known[1](site, caller, body)
    except SimFailure as failure:
        return Outcome(failure=failure)
