"""The simulated REST site's own records: people, series, occurrences, instances.

One ``Series`` is what ``POST /meetings`` creates (``meetingType`` meetingSeries,
a 32-hex id). Its occurrences (``scheduledMeeting``, id ``<series>_<UTC
YYYYMMDDTHHMMSSZ>``) come from the start and the recurrence; each started
occurrence gets one ``Instance`` (``meeting``, id ``<series>_I_<digits>``).
The site mutates these; handlers only read them through :mod:`.render`.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

__all__ = [
    "Event",
    "Instance",
    "InstanceState",
    "Occurrence",
    "Participant",
    "ParticipantState",
    "Person",
    "RecordedCall",
    "Series",
    "cisco_id",
    "wire_time",
]

InstanceState = Literal["lobby", "inProgress", "ended"]
ParticipantState = Literal["lobby", "joined", "end"]


def cisco_id(kind: str, raw: str) -> str:
    """A Webex object id: base64 (no padding) of ``ciscospark://us/<KIND>/<raw>``."""
    text = f"ciscospark://us/{kind}/{raw}".encode()
    return base64.b64encode(text).decode().rstrip("=")


def wire_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second, as the API writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone of the organisation: a possible host or participant."""

    email: str
    display_name: str

    @property
    def person_id(self) -> str:
        # Stable per email, so a restarted simulator gives the same ids.
        return cisco_id("PEOPLE", str(uuid.uuid5(uuid.NAMESPACE_URL, self.email.lower())))


@dataclass(slots=True, kw_only=True)
class Occurrence:
    """One scheduled meeting of a series; ``index`` counts from 0. Its ``id``
    comes from the originally scheduled start and stays when it is moved."""

    id: str
    series_id: str
    index: int
    start: datetime
    end: datetime
    modified: bool = False
    deleted: bool = False
    title: str | None = None


@dataclass(slots=True, kw_only=True)
class Participant:
    """One person in one instance; a rejoin reuses the record."""

    id: str
    person: Person
    host: bool
    state: ParticipantState
    joined_at: datetime
    left_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class Instance:
    """One happening of an occurrence, from its first join to its end."""

    id: str
    occurrence: Occurrence
    started_at: datetime
    state: InstanceState
    ended_at: datetime | None = None
    host_did_join: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.state != "ended"

    def state_at(self, moment: datetime) -> InstanceState | None:
        """The state as it was at ``moment``; None if it had not begun."""
        if moment < self.started_at:
            return None
        if self.ended_at is not None and moment >= self.ended_at:
            return "ended"
        return "inProgress" if self.state == "ended" else self.state


@dataclass(slots=True, kw_only=True)
class Series:
    """A meeting series as created; ``options`` holds the echoed optional fields."""

    id: str
    title: str
    host: Person
    start: datetime
    end: datetime
    timezone: str
    password: str
    meeting_number: str
    host_key: str
    web_link: str
    site_url: str
    recurrence: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    deleted: bool = False

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def live_instance(self) -> Instance | None:
        return next((i for i in self.instances if i.live), None)

    def instance_of(self, occurrence: Occurrence) -> Instance | None:
        """The newest instance of ``occurrence``, if it was ever started."""
        found = [i for i in self.instances if i.occurrence is occurrence]
        return found[-1] if found else None

    def current_occurrences(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.deleted]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedCall:
    """One ``/v1/`` request as the site received it (before faults or checks):
    ``body`` is the raw request body, ``authorization`` the header as sent."""

    method: str
    path: str
    query: str
    body: bytes = b""
    authorization: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One thing webhooks may report: ``resource``/``event`` about ``series``.

    ``instance`` and ``participant`` are set for instance and participant
    events; ``occurrence`` for changes to one occurrence.
    """

    resource: str
    event: str
    series: Series
    occurrence: Occurrence | None = None
    instance: Instance | None = None
    participant: Participant | None = None
    actor: Person | None = None
    extra: dict[str, Any] = field(default_factory=dict)
