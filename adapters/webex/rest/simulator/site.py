"""The simulated REST site: its people, meetings, live state and events.

A :class:`RestSite` is driven from two sides: the REST handlers create,
change and delete meetings; tests and the control surface make things happen
(start, lobby join, host join, leave, end). Each change is announced to the
site's listeners as an :class:`Event` (the webhook registry is one), after the
records are updated. Meeting ids given to the live actions may be a series
id (its live or next occurrence), an occurrence id or an instance id.
"""

from __future__ import annotations

import itertools
import secrets
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.webex.simulator.xml.clock import SimClock

from .bodies import occurrence_starts
from .delivery import Deliveries
from .faults import Faults
from .records import Event, Instance, Occurrence, Participant, Person, RecordedCall, Series
from .tokens import Tokens
from .webhooks import Webhooks

__all__ = ["RestSite"]


class RestSite:
    """A Webex organisation with one Meetings site, on a movable clock.

    Its parts, for tests and the control surface: ``tokens`` (access tokens
    and the refresh grant), ``faults`` (injected failures), ``calls`` (every
    API request received), ``webhooks`` (the registry) and ``deliveries``
    (the delivery queues and their knobs).

    Args:
        clock: the site's time; tests pass ``SimClock(speed=0)``.
        site_url: e.g. ``acme.webex.com``; the site name is its first label.
        listing_lag: how far ``meetingType=meeting`` listings trail reality
            (Cisco: up to 15 minutes); zero shows instances at once.
    """

    def __init__(
        self,
        clock: SimClock,
        *,
        site_url: str = "acme.webex.com",
        listing_lag: timedelta = timedelta(0),
    ) -> None:
        self.clock = clock
        self.site_url = site_url
        self.listing_lag = listing_lag
        self.org_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, site_url))
        self.tokens = Tokens(clock)
        self.faults = Faults()
        self.calls: list[RecordedCall] = []
        self._people: dict[str, Person] = {}
        self._series: dict[str, Series] = {}
        self._listeners: list[Callable[[Event], None]] = []
        self.deliveries = Deliveries()
        self.webhooks = Webhooks(self, self.deliveries.enqueue)
        self.deliveries.on_failure = self.webhooks.failed
        self._numbers = itertools.count(2_640_000_001)
        self._instance_numbers = itertools.count(194_316_955_237_236_650)

    # People --------------------------------------------------------------

    def add_person(self, email: str, display_name: str | None = None) -> Person:
        person = Person(email=email, display_name=display_name or email.split("@")[0].title())
        self._people[email.lower()] = person
        return person

    def person(self, email: str) -> Person:
        """Raises KeyError for someone not in the organisation."""
        return self._people[email.lower()]

    def people(self) -> list[Person]:
        return list(self._people.values())

    # Events --------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener`` with every event, synchronously, in order."""
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    # Meetings ------------------------------------------------------------

    def all_series(self) -> list[Series]:
        """Every series not deleted, oldest first."""
        return [s for s in self._series.values() if not s.deleted]

    def create(
        self,
        host: Person,
        *,
        title: str,
        start: datetime,
        end: datetime,
        timezone: str = "UTC",
        password: str | None = None,
        recurrence: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Series:
        """Schedule a series (no checks: the handlers check bodies) and emit
        ``meetings/created``."""
        series_id = uuid.uuid4().hex
        number = str(next(self._numbers))
        site_name = self.site_url.split(".")[0]
        series = Series(
            id=series_id,
            title=title,
            host=host,
            start=start,
            end=end,
            timezone=timezone,
            password=password or _password(),
            meeting_number=number,
            host_key=f"{secrets.randbelow(1_000_000):06d}",
            web_link=f"https://{self.site_url}/{site_name}/j.php?MTID=m{uuid.uuid4().hex}",
            site_url=self.site_url,
            recurrence=recurrence,
            options=dict(options or {}),
        )
        length = end - start
        for index, begin in enumerate(occurrence_starts(start, recurrence)):
            occurrence_id = f"{series_id}_{begin.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
            series.occurrences.append(
                Occurrence(
                    id=occurrence_id,
                    series_id=series_id,
                    index=index,
                    start=begin,
                    end=begin + length,
                )
            )
        self._series[series_id] = series
        self._emit(Event(resource="meetings", event="created", series=series, actor=host))
        return series

    def find(self, meeting_id: str) -> tuple[Series, Occurrence | None, Instance | None]:
        """The records behind any meeting id.

        Raises:
            KeyError: no such meeting, or it was deleted.
        """
        series_id, _, rest = meeting_id.partition("_")
        series = self._series.get(series_id)
        if series is None or series.deleted:
            raise KeyError(meeting_id)
        if not rest:
            return series, None, None
        if rest.startswith("I_"):
            instance = next((i for i in series.instances if i.id == meeting_id), None)
            if instance is None:
                raise KeyError(meeting_id)
            return series, instance.occurrence, instance
        occurrence = next((o for o in series.current_occurrences() if o.id == meeting_id), None)
        if occurrence is None:
            raise KeyError(meeting_id)
        return series, occurrence, None

    def update(
        self,
        meeting_id: str,
        *,
        title: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        timezone: str | None = None,
        password: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Series, Occurrence | None]:
        """Change a series (all its occurrences move with its start) or one
        occurrence (which becomes ``isModified``); emits ``meetings/updated``.

        Raises:
            KeyError: unknown meeting. ValueError: an instance id.
        """
        series, occurrence, instance = self.find(meeting_id)
        if instance is not None:
            raise ValueError(meeting_id)
        if occurrence is not None:
            occurrence.modified = True
            if title is not None:
                occurrence.title = title
            length = occurrence.end - occurrence.start
            occurrence.start = start or occurrence.start
            occurrence.end = end or occurrence.start + length
        else:
            new_start = start or series.start
            new_end = end or new_start + series.duration
            shift, length = new_start - series.start, new_end - new_start
            for each in series.occurrences:
                each.start += shift
                each.end = each.start + length
            series.start, series.end = new_start, new_end
            series.title = title or series.title
        series.timezone = timezone or series.timezone
        series.password = password or series.password
        series.options.update(options or {})
        self._emit(
            Event(resource="meetings", event="updated", series=series, occurrence=occurrence)
        )
        return series, occurrence

    def delete(self, meeting_id: str) -> None:
        """Delete a series or one occurrence; emits ``meetings/deleted``.

        Raises:
            KeyError: unknown or already deleted. ValueError: an instance id.
        """
        series, occurrence, instance = self.find(meeting_id)
        if instance is not None:
            raise ValueError(meeting_id)
        if occurrence is not None:
            occurrence.deleted = True
        else:
            series.deleted = True
        self._emit(
            Event(resource="meetings", event="deleted", series=series, occurrence=occurrence)
        )

    # Live actions --------------------------------------------------------

    def _live_target(self, meeting_id: str) -> tuple[Series, Occurrence, Instance | None]:
        series, occurrence, instance = self.find(meeting_id)
        if instance is not None:
            return series, instance.occurrence, instance
        if occurrence is None:
            live = series.live_instance()
            if live is not None:
                return series, live.occurrence, live
            now = self.clock.now()
            upcoming = [o for o in series.current_occurrences() if o.end > now]
            if not upcoming:
                raise ValueError(f"series {meeting_id} has no occurrence left to start")
            occurrence = upcoming[0]
        live = series.instance_of(occurrence)
        return series, occurrence, live if live is not None and live.live else None

    def _begin(self, series: Series, occurrence: Occurrence, state: str) -> Instance:
        instance = Instance(
            id=f"{series.id}_I_{next(self._instance_numbers)}",
            occurrence=occurrence,
            started_at=self.clock.now(),
            state="lobby" if state == "lobby" else "inProgress",
        )
        series.instances.append(instance)
        self._emit(Event(resource="meetings", event="started", series=series, instance=instance))
        return instance

    def start(self, meeting_id: str) -> Instance:
        """Start an instance with nobody in it yet (``inProgress``); returns the
        live one if it already runs."""
        series, occurrence, live = self._live_target(meeting_id)
        return live or self._begin(series, occurrence, "inProgress")

    def lobby_join(self, meeting_id: str, email: str) -> Participant:
        """``email`` waits in the lobby of a locked meeting; starts the instance
        in ``lobby`` if nobody was there. Emits ``meetingParticipants/joined``
        with ``state: lobby``."""
        series, occurrence, live = self._live_target(meeting_id)
        instance = live or self._begin(series, occurrence, "lobby")
        return self._enter(series, instance, email, "lobby")

    def join(self, meeting_id: str, email: str) -> Participant:
        """``email`` joins the main session (the host if it is the host's
        email); the instance starts or leaves ``lobby``."""
        series, occurrence, live = self._live_target(meeting_id)
        instance = live or self._begin(series, occurrence, "inProgress")
        instance.state = "inProgress"
        return self._enter(series, instance, email, "joined")

    def host_joins(self, meeting_id: str) -> Participant:
        series, _, _ = self.find(meeting_id)
        return self.join(meeting_id, series.host.email)

    def admit(self, meeting_id: str, email: str) -> Participant:
        """Move ``email`` from the lobby into the meeting.

        Raises:
            KeyError: not waiting in the lobby.
        """
        _, _, live = self._live_target(meeting_id)
        person = None if live is None else live.participants.get(email.lower())
        if live is None or person is None or person.state != "lobby":
            raise KeyError(email)
        return self.join(live.id, email)

    def leave(self, meeting_id: str, email: str) -> Participant:
        """``email`` leaves; emits ``meetingParticipants/left``.

        Raises:
            KeyError: not in the live meeting.
        """
        series, _, live = self._live_target(meeting_id)
        person = None if live is None else live.participants.get(email.lower())
        if live is None or person is None or person.state == "end":
            raise KeyError(email)
        person.state, person.left_at = "end", self.clock.now()
        self._emit(
            Event(
                resource="meetingParticipants",
                event="left",
                series=series,
                instance=live,
                participant=person,
            )
        )
        return person

    def end(self, meeting_id: str) -> Instance:
        """End the live instance: everyone still in leaves (``left`` each),
        then ``meetings/ended``.

        Raises:
            KeyError: nothing live there.
        """
        series, _, live = self._live_target(meeting_id)
        if live is None:
            raise KeyError(meeting_id)
        for person in list(live.participants.values()):
            if person.state != "end":
                self.leave(live.id, person.person.email)
        live.state, live.ended_at = "ended", self.clock.now()
        self._emit(Event(resource="meetings", event="ended", series=series, instance=live))
        return live

    def _enter(self, series: Series, instance: Instance, email: str, state: str) -> Participant:
        try:
            person = self.person(email)
        except KeyError:
            person = self.add_person(email)
        is_host = person.email.lower() == series.host.email.lower()
        existing = instance.participants.get(email.lower())
        if existing is None:
            existing = Participant(
                id=f"{series.id}_{uuid.uuid4()}",
                person=person,
                host=is_host,
                state="lobby" if state == "lobby" else "joined",
                joined_at=self.clock.now(),
            )
            instance.participants[email.lower()] = existing
        else:
            existing.state = "lobby" if state == "lobby" else "joined"
            existing.left_at = None
        if is_host and state == "joined":
            instance.host_did_join = True
        self._emit(
            Event(
                resource="meetingParticipants",
                event="joined",
                series=series,
                instance=instance,
                participant=existing,
                actor=person,
            )
        )
        return existing


def _password() -> str:
    # Sites demand a mix of upper and lower case letters and digits.
    letters = string.ascii_letters + string.digits
    while True:
        word = "".join(secrets.choice(letters) for _ in range(10))
        kinds = (str.isupper, str.islower, str.isdigit)
        if all(any(kind(c) for c in word) for kind in kinds):
            return word
