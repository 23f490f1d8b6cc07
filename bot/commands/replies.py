"""What the bot says back to a command or shows on App Home, as Slack mrkdwn. Pure.

Every piece of text that came from Webex or a user goes through :func:`escape`
here, so a title like ``<!channel>`` pings nobody. A private meeting's title is
shown only to its host, and passwords only ever appear in :func:`created_private`,
which goes to the requester alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.chat import format_when
from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    RateLimitedError,
    SessionInfoBlockedError,
    StartInPastError,
    WebexApiError,
    WebexError,
    WebexTransportError,
)
from adapters.slack.mrkdwn import escape
from adapters.webex.models import (
    CreatedMeeting,
    ExternalAttendeeSecurity,
    MeetingDetails,
    MeetingRequest,
    SessionInfo,
    SessionStatus,
)
from state.model import MeetingSnapshot

__all__ = [
    "PRIVATE_TITLE",
    "announcement",
    "created_private",
    "details_line",
    "home_blocks",
    "local_time",
    "meeting_lines",
    "session_info_line",
    "snapshot_line",
    "webex_error_text",
]

PRIVATE_TITLE = "Private meeting"

#: The create options ``lobby``, ``block`` and ``allow``, in words.
_OUTSIDERS = {
    ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY: "outsiders wait in the lobby",
    ExternalAttendeeSecurity.BLOCK_FROM_JOIN: "outsiders cannot join",
    ExternalAttendeeSecurity.ALLOW_JOIN: "outsiders join directly",
}


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """``Tue 2026-12-01 09:30 CET``: a time on the reader's own clock."""
    return format_when(value, tz)


def _link(url: str | None, label: str) -> str:
    return f"<{escape(url)}|{label}>" if url else "(none)"


def created_private(request: MeetingRequest, created: CreatedMeeting, tz: ZoneInfo) -> str:
    """The requester's private confirmation: everything, password included."""
    lines = [
        f"Created *{escape(request.title)}* (meeting {escape(created.meeting_key)})",
        f"• Starts: {local_time(request.start, tz)}, {request.duration_minutes} min",
        f"• Join link: {_link(created.attendee_url, 'join')}",
        f"• Host link: {_link(created.host_url, 'start as host')}",
        f"• Password: {escape(created.password) if created.password else '(none)'}",
    ]
    options = []
    if request.private:
        options.append("private")
    if request.auto_lock_minutes is not None:
        options.append(f"auto-lock after {request.auto_lock_minutes} min")
    if request.external_attendee_security is not None:
        options.append(_OUTSIDERS[request.external_attendee_security])
    if options:
        lines.append(f"• Options: {', '.join(options)}")
    return "\n".join(lines)


def _date_token(value: datetime) -> str:
    # Rendered by Slack in each reader's own time zone.
    unix = int(value.timestamp())
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{format_when(value)}>"


def announcement(request: MeetingRequest, created: CreatedMeeting, requester_user_id: str) -> str:
    """What the channel sees: no password ever, and no title or link when private."""
    host = f"<@{escape(requester_user_id)}>"
    when = _date_token(request.start)
    if request.private:
        return f"{PRIVATE_TITLE} scheduled by {host} for {when}."
    return (
        f"{host} scheduled *{escape(request.title)}* for {when} "
        f"({request.duration_minutes} min). {_link(created.attendee_url, 'Join')}"
    )


def _shown_title(title: str, private: bool, host_email: str | None, viewer: str | None) -> str:
    is_host = bool(viewer and host_email and viewer.lower() == host_email.lower())
    return (
        escape(title)
        if title and (not private or is_host)
        else (PRIVATE_TITLE if private else "(untitled)")
    )


def snapshot_line(snapshot: MeetingSnapshot, tz: ZoneInfo, viewer_email: str | None) -> str:
    """One meeting as a list line: title (hidden when private), key, start, state."""
    if snapshot.cancelled:
        state = "cancelled"
    elif snapshot.ended_at is not None:
        state = "ended"
    elif snapshot.in_progress:
        state = ":red_circle: live" + (", locked" if snapshot.locked else "")
        if snapshot.attendees_present and snapshot.host_present is False:
            state += ", attendees waiting for the host"
    else:
        state = "scheduled"
    title = _shown_title(snapshot.title, snapshot.private, snapshot.host_email, viewer_email)
    host = escape(snapshot.host_email or snapshot.host_webex_id or "unknown host")
    return (
        f"*{title}* ({escape(snapshot.key)}) · {local_time(snapshot.start, tz)} · "
        f"{snapshot.duration_minutes} min · {host} · {state}"
    )


def session_info_line(info: SessionInfo, tz: ZoneInfo, viewer_email: str | None) -> str:
    """A meeting the store does not know, as GetSessionInfo describes it."""
    title = _shown_title(info.conf_name or "", info.is_private, info.host_email, viewer_email)
    live = info.status is SessionStatus.IN_PROGRESS
    state = ":red_circle: live" if live else "not in progress"
    if live and info.is_locked:
        state += ", locked"
    if live and info.has_attendee_in_meeting and not info.has_host_in_meeting:
        state += ", attendees waiting for the host"
    when = f" · {local_time(info.start, tz)}" if info.start is not None else ""
    return f"*{title}* ({escape(info.session_key)}){when} · {state}"


def details_line(details: MeetingDetails, tz: ZoneInfo) -> str:
    """A meeting as GetMeeting describes it: the schedule, no live state. GetMeeting
    names no host email, so a private title is never shown."""
    title = PRIVATE_TITLE if details.is_private else escape(details.title or "(untitled)")
    return (
        f"*{title}* ({escape(details.meeting_key)}) · {local_time(details.start, tz)} · "
        f"{details.duration_minutes} min · {escape(details.host_webex_id or 'unknown host')} · "
        "live state unavailable right now"
    )


def meeting_lines(
    snapshots: Sequence[MeetingSnapshot], tz: ZoneInfo, viewer_email: str | None
) -> str:
    return "\n".join(f"• {snapshot_line(s, tz, viewer_email)}" for s in snapshots)


def home_blocks(
    snapshots: Sequence[MeetingSnapshot], tz: ZoneInfo, viewer_email: str | None
) -> list[dict[str, Any]]:
    """App Home: the viewer's live and upcoming meetings."""
    live = [s for s in snapshots if s.in_progress]
    upcoming = [s for s in snapshots if not s.in_progress]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your Webex meetings"}}
    ]
    for heading, group in (("Live now", live), ("Upcoming", upcoming)):
        text = meeting_lines(group, tz, viewer_email) if group else "_Nothing._"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*\n{text}"}}
        )
    if viewer_email is None:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Slack did not share your email, so no meetings "
                        "can be matched to you.",
                    }
                ],
            }
        )
    return blocks


def webex_error_text(error: WebexError, *, doing: str) -> str:
    """A plain sentence for a Webex failure, with its exceptionID; never a trace.

    Args:
        doing: what was being attempted, e.g. "create the meeting".
    """
    code = (
        f" (exceptionID {escape(error.exception_id)})"
        if isinstance(error, WebexApiError) and error.exception_id
        else ""
    )
    if isinstance(error, StartInPastError):
        return (
            f"Webex refused: the start time is in the past{code} (by Webex's clock). "
            "Pick a later time, or use `in 5m`."
        )
    if isinstance(error, NotFoundError):
        return f"Webex has no such meeting{code}."
    if isinstance(error, AccessDeniedError):
        return f"Webex does not let the bot's account {doing}{code}."
    if isinstance(error, CredentialsError):
        return f"Webex refused the bot's account{code}; an admin needs to check its credentials."
    if isinstance(error, RateLimitedError):
        return f"Webex asks us to slow down{code}; try again in {error.retry_after:.0f} s."
    if isinstance(error, SessionInfoBlockedError):
        return (
            f"Webex blocks meeting status look-ups until {error.until:%H:%M} UTC; try after that."
        )
    if isinstance(error, PrivateMeetingUnsupportedError):
        return "This Webex site has no meeting type that allows private meetings."
    if isinstance(error, WebexTransportError):
        return f"Webex did not answer properly, so I could not {doing}. Try again in a moment."
    if isinstance(error, WebexApiError):
        return f"Webex could not {doing}: {escape(error.reason)}{code}."
    return f"Webex could not {doing}."
