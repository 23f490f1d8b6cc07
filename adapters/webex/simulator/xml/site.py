"""The state of one simulated Webex Meetings site and the ways to change it.

Pure Python and synchronous: the HTTP layer (server.py) and the operation
handlers read and change the site only through this class. Time comes from the
site's :class:`SimClock`. Control methods raise ``KeyError`` for an unknown
meeting key and ``ValueError`` for a change that makes no sense in the
meeting's current state.
"""

from __future__ import annotations

import random
import secrets
import string
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from adapters.webex.models import AUTO_LOCK_MINUTES, ExternalAttendeeSecurity

from .clock import SimClock
from .faults import Faults
from .records import Meeting, MeetingTypeRecord, MeetingView, RecordedRequest, User
from .zones import DEFAULT_TIME_ZONE_ID, zone_id_named, zones

__all__ = ["SESSIONINFO_HOURLY_LIMIT", "SimulatedSite"]

_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_USAGE_WINDOW = timedelta(hours=1)
_BLOCK_FOR = timedelta(hours=2)
#: GetSessionInfo items a real site allows an account per rolling hour.
SESSIONINFO_HOURLY_LIMIT = 500


class SimulatedSite:
    """A stateful Webex site: users, meeting types, meetings and their life.

    Attributes (switches tests may flip at any time):
        supports_return_scheduled_pmr: GetSite's SupportXMLAPIReturnScheduledPMR;
            when False, ``returnScheduledPMR`` is ignored and PMRs never listed.
        body_content_limit: the most bodyContent one request may carry.
        sessioninfo_hourly_limit: GetSessionInfo items per account per rolling
            hour; the request that goes past it, and every GetSessionInfo
            request for two hours after, is answered HTTP 403.
        sessioninfo_account_limits: the same limit for single accounts (by
            lower-cased webExID), in place of ``sessioninfo_hourly_limit``.
        password_required: CreateMeeting generates a password when none given.
        list_page_limit: the most rows one LstsummarySession page returns.
        listing_latency: seconds each LstsummarySession request waits before it
            is answered, once however many bodyContents it carries (a real site
            is slow at listings; 0 for none).
        lists_in_own_zone: a quirk seen on a test site: LstsummarySession
            writes each row's startTime in the meeting's own zone instead of
            the dateScope's, so listings and GetSessionInfo disagree on the
            start of every meeting outside the requested zone.
        foreign_listings: answer LstsummarySession as another XML stack would
            (rows and fields in other orders, other prefixes, UTF-8, indented;
            see :mod:`.foreign`).
        faults: failures to inject into coming requests.
        requests: every XML request received, in order.
    """

    def __init__(self, site_name: str = "acme", clock: SimClock | None = None) -> None:
        self.site_name = site_name
        self.clock = clock or SimClock()
        self.supports_return_scheduled_pmr = True
        self.body_content_limit = 10
        self.sessioninfo_hourly_limit = SESSIONINFO_HOURLY_LIMIT
        self.sessioninfo_account_limits: dict[str, int] = {}
        self.password_required = True
        self.list_page_limit = 500
        self.listing_latency = 0.0
        self.lists_in_own_zone = False
        self.foreign_listings = False
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._users: dict[str, User] = {}
        self._types: dict[int, MeetingTypeRecord] = {}
        self._meetings: dict[str, Meeting] = {}
        self._by_uuid: dict[str, str] = {}
        self._tickets: dict[str, str] = {}
        self._usage: dict[str, deque[datetime]] = {}
        self._blocked_until: dict[str, datetime] = {}
        # Keys look like Webex's (9 digits) and never repeat within a site.
        self._rng = random.Random()
        self._next_key = 800_000_000 + self._rng.randrange(50_000_000)

    # -- directory -------------------------------------------------------

    def add_user(
        self,
        webex_id: str,
        password: str,
        *,
        email: str,
        first_name: str = "",
        last_name: str = "",
        admin: bool = False,
        access_token: str | None = None,
    ) -> User:
        """Add (or replace) an account; ``webex_id`` is matched case-insensitively."""
        user = User(
            webex_id=webex_id,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            admin=admin,
            access_token=access_token,
        )
        self._users[webex_id.lower()] = user
        return user

    def user(self, webex_id: str) -> User | None:
        return self._users.get(webex_id.lower())

    def user_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return next((u for u in self._users.values() if u.email.lower() == wanted), None)

    def user_by_token(self, access_token: str) -> User | None:
        return next((u for u in self._users.values() if u.access_token == access_token), None)

    def add_meeting_type(
        self, id: int, name: str, *, supports_private: bool = False
    ) -> MeetingTypeRecord:
        record = MeetingTypeRecord(id=id, name=name, supports_private=supports_private)
        self._types[id] = record
        return record

    def meeting_types(self) -> list[MeetingTypeRecord]:
        return sorted(self._types.values(), key=lambda t: t.id)

    def meeting_type(self, id: int) -> MeetingTypeRecord | None:
        return self._types.get(id)

    # -- session tickets and the GetSessionInfo budget --------------------

    def issue_ticket(self, user: User) -> str:
        ticket = secrets.token_hex(16)
        self._tickets[ticket] = user.webex_id.lower()
        return ticket

    def user_for_ticket(self, ticket: str) -> User | None:
        webex_id = self._tickets.get(ticket)
        return None if webex_id is None else self._users.get(webex_id)

    def charge_session_info(self, account: str, calls: int) -> bool:
        """Count ``calls`` GetSessionInfo items for an account.

        Returns:
            False when the account is blocked (now, or by these calls going
            past the hourly limit, which blocks it for two hours).
        """
        now = self.clock.now()
        key = account.lower()
        blocked_until = self._blocked_until.get(key)
        if blocked_until is not None and now < blocked_until:
            return False
        usage = self._usage.setdefault(key, deque())
        while usage and usage[0] <= now - _USAGE_WINDOW:
            usage.popleft()
        limit = self.sessioninfo_account_limits.get(key, self.sessioninfo_hourly_limit)
        if len(usage) + calls > limit:
            self._blocked_until[key] = now + _BLOCK_FOR
            usage.clear()
            return False
        usage.extend([now] * calls)
        return True

    # -- requests ----------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        self.requests.append(request)

    def request_count(self, operation: str | None = None) -> int:
        """Requests received, or those carrying ``operation`` (case-insensitive)."""
        if operation is None:
            return len(self.requests)
        wanted = operation.lower()
        return sum(
            1 for r in self.requests if any(op.lower() == wanted for op in r.operation_names)
        )

    def items_count(self, operation: str) -> int:
        """bodyContents of ``operation`` (case-insensitive) received, over every request."""
        wanted = operation.lower()
        return sum(op.lower() == wanted for r in self.requests for op in r.operation_names)

    # -- meetings ----------------------------------------------------------

    def schedule(
        self,
        host: str,
        title: str,
        start: datetime,
        duration_minutes: int = 60,
        time_zone_id: int = DEFAULT_TIME_ZONE_ID,
        private: bool = False,
        personal_room: bool = False,
        password: str | None = None,
        meeting_type_id: int | None = None,
        auto_lock_minutes: int | None = None,
        external_attendee_security: ExternalAttendeeSecurity | str | None = None,
        invited: Iterable[str] = (),
        time_zone: str | None = None,
    ) -> str:
        """Add a meeting directly (no start-time check) and return its key.

        A meeting whose type supports private meetings is private whatever
        ``private`` says. ``invited`` holds webExIDs or emails. ``time_zone``,
        an IANA name, picks the zone by name instead of ``time_zone_id``.

        Raises:
            ValueError: naive ``start``, unknown zone, host, meeting type,
                auto-lock minutes or external attendee security.
        """
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be a timezone-aware datetime")
        if time_zone is not None:
            time_zone_id = zone_id_named(time_zone)
        if time_zone_id not in zones():
            raise ValueError(f"unknown timeZoneID {time_zone_id}")
        host_user = self.user(host)
        if host_user is None:
            raise ValueError(f"unknown host {host!r}")
        if meeting_type_id is not None:
            mtype = self._types.get(meeting_type_id)
            if mtype is None:
                raise ValueError(f"unknown meeting type {meeting_type_id}")
            private = private or mtype.supports_private
        if auto_lock_minutes is not None and auto_lock_minutes not in AUTO_LOCK_MINUTES:
            raise ValueError(f"auto_lock_minutes must be one of {sorted(AUTO_LOCK_MINUTES)}")
        security = (
            None
            if external_attendee_security is None
            else ExternalAttendeeSecurity(external_attendee_security)
        )
        key = str(self._next_key)
        self._next_key += 1 + self._rng.randrange(7)
        meeting = Meeting(
            key=key,
            uuid=uuid.uuid4().hex,
            conf_id=str(self._rng.randrange(10**17, 10**18)),
            guest_token=secrets.token_hex(16),
            host=host_user.webex_id,
            title=title,
            start=start,
            duration_minutes=duration_minutes,
            time_zone_id=time_zone_id,
            private=private,
            personal_room=personal_room,
            password=password,
            meeting_type_id=meeting_type_id,
            auto_lock_minutes=auto_lock_minutes,
            external_attendee_security=security,
            invited=frozenset(i.lower() for i in invited),
        )
        self._meetings[key] = meeting
        self._by_uuid[meeting.uuid] = key
        return key

    def generate_password(self) -> str:
        return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(11))

    def meeting(self, key: str) -> MeetingView:
        """A read-only snapshot of one meeting.

        Raises:
            KeyError: no such meeting.
        """
        return self._get(key).view(self.clock.now())

    def meetings(self) -> list[MeetingView]:
        """Snapshots of every meeting, by start time."""
        now = self.clock.now()
        return [m.view(now) for m in sorted(self._meetings.values(), key=_start_order)]

    def find(self, key: str | None = None, uuid: str | None = None) -> Meeting | None:
        """The live record by key or UUID, for the operation handlers."""
        if key is not None:
            return self._meetings.get(key.strip())
        if uuid is not None:
            found = self._by_uuid.get(uuid.strip().lower())
            return None if found is None else self._meetings.get(found)
        return None

    def all_meetings(self) -> Iterable[Meeting]:
        """The live records, unordered, for the operation handlers."""
        return self._meetings.values()

    def start(self, key: str) -> None:
        meeting = self._get(key)
        if meeting.in_progress:
            raise ValueError(f"meeting {key} is already in progress")
        meeting.in_progress = True
        meeting.ended = False
        meeting.actual_start = self.clock.now()

    def host_joins(self, key: str) -> None:
        """The host joins; starts the meeting first when it is not running."""
        meeting = self._running(key)
        if meeting.host_present:
            raise ValueError(f"the host is already in meeting {key}")
        meeting.host_present = True

    def host_leaves(self, key: str) -> None:
        meeting = self._get(key)
        if not meeting.host_present:
            raise ValueError(f"the host is not in meeting {key}")
        meeting.host_present = False

    def attendee_joins(self, key: str, count: int = 1) -> None:
        """Attendees join (waiting for the host if absent); starts the meeting."""
        if count < 1:
            raise ValueError("count must be >= 1")
        self._running(key).attendees += count

    def attendee_leaves(self, key: str, count: int = 1) -> None:
        meeting = self._get(key)
        if count < 1 or count > meeting.attendees:
            raise ValueError(f"meeting {key} has {meeting.attendees} attendees")
        meeting.attendees -= count

    def lock(self, key: str) -> None:
        meeting = self._get(key)
        if not meeting.in_progress:
            raise ValueError(f"meeting {key} is not in progress")
        meeting.locked = True

    def unlock(self, key: str) -> None:
        meeting = self._get(key)
        meeting.locked = False
        # Unlocking by hand also cancels a pending or fired auto-lock.
        meeting.auto_lock_minutes = None

    def end(self, key: str) -> None:
        """End the meeting; it stays listed, NOT_INPROGRESS, until deleted."""
        meeting = self._get(key)
        if not meeting.in_progress:
            raise ValueError(f"meeting {key} is not in progress")
        meeting.in_progress = False
        meeting.ended = True
        meeting.host_present = False
        meeting.attendees = 0
        meeting.locked = False

    def reschedule(
        self, key: str, start: datetime | None = None, duration_minutes: int | None = None
    ) -> None:
        meeting = self._get(key)
        if start is not None:
            if start.tzinfo is None or start.utcoffset() is None:
                raise ValueError("start must be a timezone-aware datetime")
            meeting.start = start
        if duration_minutes is not None:
            if duration_minutes < 1:
                raise ValueError("duration_minutes must be >= 1")
            meeting.duration_minutes = duration_minutes

    def delete(self, key: str) -> None:
        meeting = self._meetings.pop(key)
        self._by_uuid.pop(meeting.uuid, None)

    def _get(self, key: str) -> Meeting:
        return self._meetings[key]

    def _running(self, key: str) -> Meeting:
        meeting = self._get(key)
        if not meeting.in_progress:
            self.start(key)
        return meeting


def _start_order(meeting: Meeting) -> tuple[datetime, str]:
    return (meeting.start, meeting.key)
