"""Meetings as chat sees them: cards, thread replies and host DMs. Pure.

Rules this module keeps:

1. A private meeting's title never leaves here: cards, replies and DMs say
   "Private meeting" (or "your private meeting") instead, and its join link is
   left off the card, since the link is as good as the title for finding it.
2. Nothing here ever reads a password: snapshots and events carry none.
3. Output is plain text. The chat adapters escape it for their medium.
4. No clock: where "now" matters (a card that says "starting soon"), the
   caller passes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from adapters.chat import Card, CardTone, format_when
from state.model import Event, EventKind, MeetingSnapshot

__all__ = [
    "PRIVATE_TITLE",
    "display_title",
    "format_when",
    "public_link",
    "render_card",
    "render_event",
    "render_host_dm",
]

#: What a private meeting is called wherever its title would appear.
PRIVATE_TITLE = "Private meeting"
_UNTITLED = "Untitled meeting"
#: How far ahead a card switches from "scheduled" to "starting soon".
DEFAULT_SOON = timedelta(minutes=15)


def display_title(snapshot: MeetingSnapshot) -> str:
    """The title a channel may see: never a private meeting's own title."""
    if snapshot.private:
        return PRIVATE_TITLE
    return snapshot.title.strip() or _UNTITLED


#: Query parameters that carry a meeting password in some Webex links.
_SECRET_PARAMS = frozenset({"pw", "pwd", "password", "meetingpassword"})


def public_link(snapshot: MeetingSnapshot) -> str | None:
    """The join link a channel may see: none for a private meeting, and never a
    password parameter (some sites embed ``pwd=`` in links)."""
    if snapshot.private or not snapshot.join_url:
        return None
    parts = urlsplit(snapshot.join_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if k.lower() not in _SECRET_PARAMS]
    if len(kept) == len(query):
        return snapshot.join_url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def _status(
    snapshot: MeetingSnapshot, now: datetime | None, soon: timedelta
) -> tuple[str, CardTone]:
    if snapshot.cancelled:
        return "Cancelled", CardTone.CANCELLED
    if snapshot.in_progress:
        if snapshot.attendees_present and snapshot.host_present is False:
            status, tone = "Attendees waiting for the host", CardTone.WAITING
        elif snapshot.host_present:
            status, tone = "In progress, host present", CardTone.LIVE
        else:
            status, tone = "In progress", CardTone.LIVE
        if snapshot.locked:
            status += ", locked"
        return status, tone
    if snapshot.ended_at is not None:
        ran = snapshot.ran_minutes
        return ("Ended" if ran is None else f"Ended after {_minutes(ran)}"), CardTone.ENDED
    if now is not None and snapshot.start - soon <= now < snapshot.scheduled_end:
        return "Starting soon", CardTone.SOON
    return "Scheduled", CardTone.SCHEDULED


def render_card(
    snapshot: MeetingSnapshot, now: datetime | None = None, *, soon: timedelta = DEFAULT_SOON
) -> Card:
    """The card a channel shows for one meeting.

    Args:
        snapshot: what the store knows about the meeting.
        now: the current time; without it a meeting that has not started reads
            "Scheduled" (never "Starting soon").
        soon: how long before its start a meeting counts as starting soon.
    """
    status, tone = _status(snapshot, now, soon)
    return Card(
        meeting_key=snapshot.key,
        title=display_title(snapshot),
        host=snapshot.host_email or snapshot.host_id or "unknown host",
        start=snapshot.start,
        duration_minutes=snapshot.duration_minutes,
        status=status,
        tone=tone,
        join_url=public_link(snapshot),
    )


def _schedule_change(event: Event, snapshot: MeetingSnapshot) -> str:
    parts: list[str] = []
    if event.previous_start is not None and event.previous_start != snapshot.start:
        parts.append(
            f"moved from {format_when(event.previous_start)} to {format_when(snapshot.start)}"
        )
    if (
        event.previous_duration_minutes is not None
        and event.previous_duration_minutes != snapshot.duration_minutes
    ):
        parts.append(
            f"length changed from {_minutes(event.previous_duration_minutes)} "
            f"to {_minutes(snapshot.duration_minutes)}"
        )
    if not parts:
        return f"Rescheduled: now {format_when(snapshot.start)}, {_minutes(snapshot.duration_minutes)}."
    return "Rescheduled: " + "; ".join(parts) + "."


def _starting_soon(event: Event, snapshot: MeetingSnapshot) -> str:
    left = round((snapshot.start - event.at).total_seconds() / 60)
    if left <= 0:
        return f"Starting now ({format_when(snapshot.start)})."
    return f"Starts in {_minutes(left)}, at {format_when(snapshot.start)}."


def _ended(event: Event, snapshot: MeetingSnapshot) -> str:
    ran = event.ran_minutes if event.ran_minutes is not None else snapshot.ran_minutes
    return "Ended." if ran is None else f"Ended after {_minutes(ran)}."


_FIXED: dict[EventKind, str] = {
    EventKind.STARTED: "Started.",
    EventKind.ATTENDEES_WAITING: "Attendees are waiting for the host.",
    EventKind.HOST_JOINED: "The host joined.",
    EventKind.HOST_LEFT: "The host left.",
    EventKind.LOCKED: "The meeting was locked.",
    EventKind.UNLOCKED: "The meeting was unlocked.",
    EventKind.CANCELLED: "Cancelled.",
}


def render_event(event: Event, snapshot: MeetingSnapshot) -> str:
    """The short thread reply for one event under the meeting's card.

    The card carries the title, so replies never repeat it.
    """
    if event.kind is EventKind.SCHEDULED:
        return (
            f"Scheduled for {format_when(snapshot.start)}, {_minutes(snapshot.duration_minutes)}."
        )
    if event.kind is EventKind.RESCHEDULED:
        return _schedule_change(event, snapshot)
    if event.kind is EventKind.STARTING_SOON:
        return _starting_soon(event, snapshot)
    if event.kind is EventKind.ENDED:
        return _ended(event, snapshot)
    return _FIXED[event.kind]


def render_host_dm(event: Event, snapshot: MeetingSnapshot) -> str:
    """A private note to the host about their own meeting.

    Names the meeting (except a private one, which is "your private meeting")
    and adds the join link where that helps the host act on it.
    """
    name = (
        "your private meeting" if snapshot.private else f'your meeting "{display_title(snapshot)}"'
    )
    if event.kind is EventKind.ATTENDEES_WAITING:
        text = f"Attendees are waiting for you in {name}."
    elif event.kind is EventKind.STARTING_SOON:
        soon = _starting_soon(event, snapshot)
        text = f"Reminder: {name}. {soon}"
    else:
        text = f"About {name}: {render_event(event, snapshot)}"
    link = public_link(snapshot)
    if event.kind in (EventKind.ATTENDEES_WAITING, EventKind.STARTING_SOON) and link:
        text += f" Join: {link}"
    return text
