"""What the bot says back to a command or shows on App Home, as chat-neutral
values (:mod:`adapters.chat`). Pure.

Nothing here is markup: titles and other text from Webex or a user are runs of
their own, which each chat escapes as it renders them, so a title like
``<!channel>`` pings nobody. A private meeting's title is shown only to its
host, and passwords only ever appear in :func:`created_private`, which goes to
the requester alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.chat import (
    Badge,
    BulletList,
    CardTone,
    Code,
    Em,
    Inline,
    Link,
    Mention,
    Message,
    Page,
    Section,
    Strong,
    When,
    message,
)
from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    RateLimitedError,
    StartInPastError,
    WebexApiError,
    WebexError,
    WebexTransportError,
)
from adapters.webex.models import (
    CreatedMeeting,
    ExternalAttendeeSecurity,
    LiveState,
    MeetingDetails,
    MeetingRequest,
)
from bot.commands.model import USAGE
from state.model import MeetingSnapshot

__all__ = [
    "PRIVATE_TITLE",
    "announcement",
    "created_private",
    "details_line",
    "home_page",
    "live_state_line",
    "local_time",
    "meeting_lines",
    "snapshot_line",
    "usage",
    "webex_error_text",
]

PRIVATE_TITLE = "Private meeting"

#: The create options ``lobby``, ``block`` and ``allow``, in words.
_OUTSIDERS = {
    ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY: "outsiders wait in the lobby",
    ExternalAttendeeSecurity.BLOCK_FROM_JOIN: "outsiders cannot join",
    ExternalAttendeeSecurity.ALLOW_JOIN: "outsiders join directly",
}


def usage() -> Message:
    """The help: one line of :data:`~bot.commands.model.USAGE` per paragraph."""
    return message(*USAGE.splitlines())


def local_time(value: datetime, tz: ZoneInfo) -> When:
    """``Tue 2026-12-01 09:30 CET``: a time on the reader's own clock."""
    return When(value, tz)


_Line = tuple[Inline, ...]


def _link(url: str | None, label: str) -> Inline:
    return Link(url, label) if url else "(none)"


def created_private(request: MeetingRequest, created: CreatedMeeting, tz: ZoneInfo) -> Message:
    """The requester's private confirmation: everything, password included."""
    items: list[_Line] = [
        ("Starts: ", local_time(request.start, tz), f", {request.duration_minutes} min"),
        ("Join link: ", _link(created.attendee_url, "join")),
        ("Host link: ", _link(created.host_url, "start as host")),
        (f"Password: {created.password or '(none)'}",),
    ]
    options = []
    if request.private:
        options.append("private")
    if request.auto_lock_minutes is not None:
        options.append(f"auto-lock after {request.auto_lock_minutes} min")
    if request.external_attendee_security is not None:
        options.append(_OUTSIDERS[request.external_attendee_security])
    if options:
        items.append((f"Options: {', '.join(options)}",))
    return message(
        ("Created ", Strong(request.title), f" (meeting {created.meeting_key})"),
        BulletList(tuple(items)),
    )


def announcement(
    request: MeetingRequest, created: CreatedMeeting, requester_user_id: str
) -> Message:
    """What the channel sees: no password ever, and no title or link when private.
    The start shows in each reader's own zone."""
    host = Mention(requester_user_id)
    when = When(request.start)
    if request.private:
        return message((f"{PRIVATE_TITLE} scheduled by ", host, " for ", when, "."))
    return message(
        (
            host,
            " scheduled ",
            Strong(request.title),
            " for ",
            when,
            f" ({request.duration_minutes} min). ",
            _link(created.attendee_url, "Join"),
        )
    )


def _shown_title(title: str, private: bool, host_email: str | None, viewer: str | None) -> str:
    is_host = bool(viewer and host_email and viewer.lower() == host_email.lower())
    if title and (not private or is_host):
        return title
    return PRIVATE_TITLE if private else "(untitled)"


_LIVE: _Line = (Badge(CardTone.LIVE), " live")


def snapshot_line(snapshot: MeetingSnapshot, tz: ZoneInfo, viewer_email: str | None) -> _Line:
    """One meeting as a list line: title (hidden when private), key, start, state."""
    state: _Line
    if snapshot.cancelled:
        state = ("cancelled",)
    elif snapshot.ended_at is not None:
        state = ("ended",)
    elif snapshot.in_progress:
        more = ", locked" if snapshot.locked else ""
        if snapshot.attendees_present and snapshot.host_present is False:
            more += ", attendees waiting for the host"
        state = (*_LIVE, more) if more else _LIVE
    else:
        state = ("scheduled",)
    title = _shown_title(snapshot.title, snapshot.private, snapshot.host_email, viewer_email)
    host = snapshot.host_email or snapshot.host_id or "unknown host"
    return (
        Strong(title),
        f" ({snapshot.key}) · ",
        local_time(snapshot.start, tz),
        f" · {snapshot.duration_minutes} min · {host} · ",
        *state,
    )


def live_state_line(info: LiveState, tz: ZoneInfo, viewer_email: str | None) -> _Line:
    """A meeting the store does not know, as a direct look-up describes it."""
    title = _shown_title(info.title or "", bool(info.private), info.host_email, viewer_email)
    live = info.in_progress
    more = ""
    if live and info.locked:
        more += ", locked"
    if live and info.attendees_waiting:
        more += ", attendees waiting for the host"
    state: _Line = (*_LIVE, more) if live else ("not in progress",)
    when: _Line = (" · ", local_time(info.start, tz)) if info.start is not None else ()
    return (Strong(title), f" ({info.meeting_key})", *when, " · ", *state)


def details_line(details: MeetingDetails, tz: ZoneInfo) -> _Line:
    """A meeting as GetMeeting describes it: the schedule, no live state. GetMeeting
    names no host email, so a private title is never shown."""
    title = PRIVATE_TITLE if details.is_private else (details.title or "(untitled)")
    return (
        Strong(title),
        f" ({details.meeting_key}) · ",
        local_time(details.start, tz),
        (
            f" · {details.duration_minutes} min · {details.host or 'unknown host'} · "
            "live state unavailable right now"
        ),
    )


def meeting_lines(
    snapshots: Sequence[MeetingSnapshot], tz: ZoneInfo, viewer_email: str | None
) -> BulletList:
    """Meetings as a bulleted list, one :func:`snapshot_line` each."""
    return BulletList(tuple(snapshot_line(s, tz, viewer_email) for s in snapshots))


def home_page(snapshots: Sequence[MeetingSnapshot], tz: ZoneInfo, viewer_email: str | None) -> Page:
    """App Home: the viewer's live and upcoming meetings."""
    live = [s for s in snapshots if s.in_progress]
    upcoming = [s for s in snapshots if not s.in_progress]
    sections = tuple(
        Section(
            heading=heading,
            body=message(meeting_lines(group, tz, viewer_email) if group else (Em("Nothing."),)),
        )
        for heading, group in (("Live now", live), ("Upcoming", upcoming))
    )
    footnote = (
        message("Slack did not share your email, so no meetings can be matched to you.")
        if viewer_email is None
        else None
    )
    return Page(title="Your Webex meetings", sections=sections, footnote=footnote)


def webex_error_text(error: WebexError, *, doing: str) -> Message:
    """A plain sentence for a Webex failure, with its exceptionID; never a trace.

    Args:
        doing: what was being attempted, e.g. "create the meeting".
    """
    return message(_error_sentence(error, doing))


def _error_sentence(error: WebexError, doing: str) -> _Line:
    code = f" (exceptionID {error.detail})" if error.detail else ""
    if isinstance(error, StartInPastError):
        return (
            (
                f"Webex refused: the start time is in the past{code} (by Webex's clock). "
                "Pick a later time, or use "
            ),
            Code("in 5m"),
            ".",
        )
    if isinstance(error, NotFoundError):
        return (f"Webex has no such meeting{code}.",)
    if isinstance(error, AccessDeniedError):
        return (f"Webex does not let the bot's account {doing}{code}.",)
    if isinstance(error, CredentialsError):
        return (f"Webex refused the bot's account{code}; an admin needs to check its credentials.",)
    if isinstance(error, RateLimitedError) and error.until is not None:
        return (
            f"Webex blocks meeting status look-ups until {error.until:%H:%M} UTC; try after that.",
        )
    if isinstance(error, RateLimitedError):
        return (f"Webex asks us to slow down{code}; try again in {error.retry_after:.0f} s.",)
    if isinstance(error, PrivateMeetingUnsupportedError):
        return ("This Webex site has no meeting type that allows private meetings.",)
    if isinstance(error, WebexTransportError):
        return (f"Webex did not answer properly, so I could not {doing}. Try again in a moment.",)
    if isinstance(error, WebexApiError):
        return (f"Webex could not {doing}: {error.reason}{code}.",)
    return (f"Webex could not {doing}.",)
