"""Who may see and change what, and the failures that say no."""

from __future__ import annotations

from .protocol import Body, SimFailure
from .records import Meeting, User
from .site import SimulatedSite

__all__ = [
    "ACCESS_DENIED",
    "NO_RECORD",
    "can_change",
    "can_see_details",
    "is_invited",
    "lookup_meeting",
    "meeting_not_found",
]

NO_RECORD = ("000015", "Sorry, no record found")
ACCESS_DENIED = ("000001", "Access denied")


def meeting_not_found() -> SimFailure:
    return SimFailure("060001", "Meeting not found")


def can_see_details(user: User, meeting: Meeting) -> bool:
    """A private meeting's details are for its host, invitees and admins only."""
    if not meeting.private or user.admin or user.webex_id.lower() == meeting.host.lower():
        return True
    return is_invited(user, meeting)


def is_invited(user: User, meeting: Meeting) -> bool:
    return user.webex_id.lower() in meeting.invited or user.email.lower() in meeting.invited


def can_change(user: User, meeting: Meeting) -> bool:
    return user.admin or user.webex_id.lower() == meeting.host.lower()


def lookup_meeting(site: SimulatedSite, body: Body, *key_names: str) -> Meeting:
    """The meeting a request names by key (any of ``key_names``) or meetingUUID.

    Raises:
        SimFailure: 060001 when none is named or it does not exist.
    """
    key = body.text_of(*key_names)
    uuid = body.text_of("meetingUUID")
    meeting = site.find(key=key) if key else site.find(uuid=uuid) if uuid else None
    if meeting is None:
        raise meeting_not_found()
    return meeting
