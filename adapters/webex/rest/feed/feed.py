"""The REST feed: webhook deliveries and catch-up sweeps -> observations for the intake.

- :meth:`RestFeed.handle` processes one persisted delivery: it reads the
  envelope, finds the meeting's key (its ``meetingNumber``: known from an
  earlier answer, or asked with one ``GET /meetings/{id}``, which also gives
  the title a meeting webhook lacks) and hands the observations to the intake.
  The look-up has a short deadline: past it, what the delivery says goes to
  the intake without the title, so the notification is not held up.
- :meth:`RestFeed.register` keeps the webhooks registered (see
  :mod:`.hooks`); a re-activated or newly created one means deliveries may
  have been lost, so it asks for a sweep.
- :meth:`RestFeed.sweep_live` lists the instances in progress (and in the
  lobby) with their participants; :meth:`RestFeed.sweep_schedule` the
  upcoming occurrences. Dropped deliveries are found there (a dropped
  ``deleted`` by asking for what a complete schedule listing no longer shows).

Raises what the REST client raises (:mod:`adapters.errors`); the caller
(the scheduler's job runner, the inbox drainer) counts, backs off and retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta

from adapters.errors import NotFoundError, WebexError
from adapters.webex.port import Intake
from adapters.webex.rest.client import RestClient, RestMeeting
from adapters.webex.rest.client.models import parse_meeting, parse_participant
from adapters.webex.rest.webhook import parse_envelope
from state.model import Authority, MeetingSnapshot, Observation

from ..index import MeetingIndex
from .hooks import WANTED, plan_hooks
from .observe import (
    INSTANCE_MARK,
    deleted,
    from_instance,
    from_participant,
    from_roster,
    from_scheduled,
    from_series_state,
    merged_state,
    next_occurrences,
    outdated,
    roster_wanted,
    series_id,
    unlisted,
)

__all__ = ["LOOKUP_DEADLINE", "RestFeed"]

logger = logging.getLogger("meetbot.webex.rest")

#: How long a delivery waits for the meeting's title before going on without it.
LOOKUP_DEADLINE = timedelta(seconds=0.5)
#: How far ahead the schedule sweep lists occurrences (the XML discovery's week).
SCHEDULE_AHEAD = timedelta(days=7)


class RestFeed:
    """Turns REST deliveries and listings into observations (module docstring).

    Args:
        client: the REST client (its tokens, 429 gate and paging).
        intake: where observations go.
        target_url: where webhooks deliver (``{PUBLIC_URL}/webex/webhooks``);
            None: no webhooks, sweeps only.
        secret: the webhooks' signing secret.
        owned_by: ``"org"`` for an admin's org-wide webhooks, else None.
        site_url: the site the calls name, or None.
        lookup_deadline: the title look-up's deadline.
        held: what the core knows of a meeting, by key (None: nothing), so
            an outdated delivery says nothing (:func:`.observe.outdated`).
    """

    def __init__(
        self,
        client: RestClient,
        intake: Intake,
        *,
        target_url: str | None = None,
        secret: str | None = None,
        owned_by: str | None = None,
        site_url: str | None = None,
        lookup_deadline: timedelta = LOOKUP_DEADLINE,
        index: MeetingIndex | None = None,
        held: Callable[[str], Awaitable[MeetingSnapshot | None]] | None = None,
    ) -> None:
        if target_url is not None and not secret:
            raise ValueError("webhooks need a secret")
        self._client = client
        self._intake = intake
        self._target = target_url
        self._secret = secret
        self._owned_by = owned_by
        self._site_url = site_url
        self._deadline = lookup_deadline.total_seconds()
        self._held = held
        # What earlier answers said: each meeting number's series (shared with
        # the commands), the start it is known by and its running instance.
        self.index = index or MeetingIndex()
        self._starts: dict[str, datetime] = {}
        self._instances: dict[str, str] = {}
        self._titled: set[str] = set()  # series whose title an answer carried
        self._rostered: dict[str, datetime] = {}  # when each roster was last listed
        self._secret_given = False
        self.sweep_wanted = True

    # Deliveries -------------------------------------------------------------

    async def handle(self, body: str, now: datetime) -> None:
        """Process one persisted delivery.

        Raises:
            WebhookDecodeError: the body is no envelope (set it aside).
            WebexDecodeError: its data is not a meeting or participant.
            WebexError: the key could not be found now (try again later).
        """
        delivery = parse_envelope(body.encode("utf-8"))
        if delivery.resource == "meetings":
            meeting = parse_meeting(dict(delivery.data))
            observations = await self._meeting_event(meeting, delivery.event)
        elif delivery.resource == "meetingParticipants":
            participant = parse_participant(dict(delivery.data))
            key = await self._key_of(participant.meeting_id)
            seen = from_participant(participant, key=key, event=delivery.event)
            if (
                seen is not None
                and seen.in_progress
                and await self._outdated(key, participant.joined_time, lobby=False)
            ):
                seen = None
            observations = [] if seen is None else [seen]
        else:
            return
        if observations:
            await self._intake.observe(observations, now=now)

    async def _meeting_event(self, meeting: RestMeeting, event: str) -> list[Observation]:
        if event == "deleted":
            key = self.index.number(series_id(meeting.id)) or meeting.meeting_number
            if key is None:
                return []  # never seen: nothing to cancel
            gone = deleted(
                meeting.id, key=key, start=meeting.start, known_start=self._starts.get(key)
            )
            return [] if gone is None else [gone]
        series = series_id(meeting.id)
        known = self.index.number(series) is not None and series in self._titled
        detail = None if known and event != "updated" else await self._details(meeting)
        shown = meeting if detail is None else merged_state(meeting, detail)
        key = self._learn(shown) or await self._key_of(meeting.id)
        if INSTANCE_MARK in meeting.id:
            running = meeting.state in ("inProgress", "lobby")
            if running and await self._outdated(key, meeting.start, lobby=meeting.state == "lobby"):
                return []
            self._instances[key] = meeting.id
            schedule = await self._schedule_of(key, meeting)
            private = self._private(key, schedule or shown)
            return [from_instance(shown, key=key, schedule=schedule, private=private)]
        if shown.start is not None:
            self._starts[key] = shown.start
        return [from_scheduled(shown, key=key, private=self._private(key, shown))]

    async def _outdated(self, key: str, began: datetime | None, *, lobby: bool) -> bool:
        """Whether what the core knows supersedes a delivery of ``key`` running."""
        if self._held is None or began is None:
            return False
        if outdated(await self._held(key), began=began, lobby=lobby):
            logger.info("an outdated delivery of meeting %s says nothing", key)
            return True
        return False

    def _private(self, key: str, meeting: RestMeeting) -> bool | None:
        return self.index.private(key, meeting.title, meeting.start)

    async def _schedule_of(self, key: str, instance: RestMeeting) -> RestMeeting | None:
        """The series of a meeting whose schedule the feed has not seen (first
        seen running), within the deadline; None when known or not in time."""
        if key in self._starts:
            return None
        try:
            async with asyncio.timeout(self._deadline):
                series = await self._client.get_meeting(series_id(instance.id))
        except (TimeoutError, WebexError) as e:
            logger.info("no schedule of meeting %s in time (%s)", key, type(e).__name__)
            return None
        if series.start is not None:
            self._starts[key] = series.start
        return series

    async def _details(self, meeting: RestMeeting) -> RestMeeting | None:
        """The meeting as ``GET /meetings/{id}`` has it, within the deadline;
        None past it or when the look-up fails (the delivery goes on without)."""
        try:
            async with asyncio.timeout(self._deadline):
                return await self._client.get_meeting(meeting.id)
        except (TimeoutError, WebexError) as e:
            logger.info("no details of meeting %s in time (%s)", meeting.id, type(e).__name__)
            return None

    async def _key_of(self, meeting_id: str) -> str:
        """The meeting number of any id of a series (asks the series once)."""
        series = series_id(meeting_id)
        known = self.index.number(series)
        if known is not None:
            return known
        number = self._learn(await self._client.get_meeting(series))
        if number is None:
            raise WebexError(f"meeting {series} has no meeting number")
        return number

    def _learn(self, meeting: RestMeeting) -> str | None:
        number = meeting.meeting_number
        series = series_id(meeting.id)
        if number:
            self.index.learn(number, series)
        if meeting.title is not None:
            self._titled.add(series)
        return number or None

    def remember(self, snapshots: Iterable[MeetingSnapshot]) -> None:
        """Learn what the core knows (at start): each meeting's series (kept as
        its ``uuid``), start and title, so a restart asks Webex nothing more
        and a deletion of a meeting known before the restart still cancels it."""
        for snapshot in snapshots:
            if snapshot.uuid:
                self.index.learn(snapshot.key, snapshot.uuid)
                self._starts[snapshot.key] = snapshot.start
                if snapshot.title:
                    self._titled.add(snapshot.uuid)

    # Webhook registration -----------------------------------------------------

    async def register(self, now: datetime) -> None:
        """Create what is missing, re-activate what Webex disabled, remove
        duplicates, and (the first time) give the kept ones this process's
        secret; a creation or re-activation asks for a sweep (deliveries may
        have been lost)."""
        if self._target is None:
            return
        listing = await self._client.list_webhooks(owned_by=self._owned_by)
        if not listing.complete:
            self.sweep_wanted = True
            return  # a partial list could make duplicates: next time
        plan = plan_hooks(listing.items, self._target, WANTED)
        for spec in plan.create:
            await self._client.create_webhook(
                name=spec.name,
                target_url=self._target,
                resource=spec.resource,
                event=spec.event,
                secret=self._secret,
                owned_by=self._owned_by,
            )
        for hook in plan.reactivate:
            logger.warning("webhook %s was disabled by Webex; re-activated", hook.name)
            await self._client.update_webhook(
                hook.id, name=hook.name, target_url=hook.target_url, secret=self._secret,
                status="active",
            )  # fmt: skip
        for hook in plan.remove:
            await self._client.delete_webhook(hook.id)
        if not self._secret_given:
            # Once per process: the kept webhooks get this process's secret, so a
            # changed WEBEX_WEBHOOK_SECRET is not met by deliveries signed with
            # the old one (Webex lists no secret to compare with).
            changed = {h.id for h in (*plan.reactivate, *plan.remove)}
            for hook in listing.items:
                if hook.target_url == self._target and not hook.filter and hook.id not in changed:
                    await self._client.update_webhook(
                        hook.id, name=hook.name, target_url=hook.target_url, secret=self._secret
                    )
            self._secret_given = True
        if plan.create or plan.reactivate:
            self.sweep_wanted = True

    # Sweeps -------------------------------------------------------------------

    async def sweep_live(
        self,
        now: datetime,
        believed_live: Collection[str] = (),
        held: Mapping[str, MeetingSnapshot] | None = None,
    ) -> None:
        """What runs now, with who is in it; ``believed_live`` (meeting numbers
        the core holds in progress) that no listing shows are asked directly;
        ``held`` is what the core knows of them.

        A listed instance the core does not hold in progress is asked directly
        before it counts, and the listed state of one it holds is not taken (a
        lagging listing would start an ended meeting again, or send its host
        back to the lobby). Participants are listed only where a change of
        host or attendees could have been missed (:func:`roster_wanted`):
        webhooks carry them, and Cisco allows about 300 calls a minute."""
        gap = self.sweep_wanted or self._target is None
        self.sweep_wanted = False
        held = held or {}
        observations: list[Observation] = []
        shown: set[str] = set()
        for state in ("inProgress", "lobby"):
            listing = await self._client.list_meetings(
                meeting_type="meeting", state=state, site_url=self._site_url
            )
            for instance in listing.items:
                key = self._learn(instance) or await self._key_of(instance.id)
                shown.add(key)
                self._instances[key] = instance.id
                fresh = key not in believed_live
                if fresh:
                    # Listings trail reality by up to 15 minutes: one that would
                    # start a meeting the core holds ended is asked directly first.
                    instance = await self._client.get_meeting(instance.id)
                    if instance.state not in ("inProgress", "lobby"):
                        continue
                    schedule = await self._schedule_of(key, instance)
                    private = self._private(key, schedule or instance)
                    observations.append(
                        from_instance(instance, key=key, schedule=schedule, private=private)
                    )
                wanted = roster_wanted(
                    None if fresh else held.get(key),
                    listed_state=instance.state,
                    last_roster=self._rostered.get(key),
                    now=now,
                    gap=gap,
                )
                if wanted:
                    roster = await self._client.list_participants(instance.id)
                    if roster.complete:
                        self._rostered[key] = now
                        observations.append(from_roster(key, roster.items))
        for key in sorted(set(believed_live) - shown):
            instance_id = self._instances.get(key)
            if instance_id is not None:
                observations.append(
                    from_instance(await self._client.get_meeting(instance_id), key=key)
                )
            elif (series := self.index.series(key)) is not None:
                # Its instance is unknown (a restart): the series says whether one runs.
                seen = from_series_state(await self._client.get_meeting(series), key=key)
                if seen is not None:
                    observations.append(seen)
        if observations:
            await self._intake.observe(observations, now=now)

    async def sweep_schedule(
        self,
        now: datetime,
        hosts: Collection[str] = (),
        held: Iterable[MeetingSnapshot] = (),
    ) -> None:
        """The upcoming occurrences, one per meeting (its next): the token's own,
        and those of each of ``hosts`` (an admin lists another host's schedule
        only by naming them; instances it sees org-wide).

        ``held`` is what the core holds scheduled: one in the listed window,
        of a listed host, that a complete listing no longer shows is asked
        directly (``GET /meetings/{id}``), since its ``deleted`` delivery may
        have been lost: 404 cancels it, any other answer says nothing. An
        incomplete listing checks nothing."""
        found: list[RestMeeting] = []
        complete = True
        named = sorted({h.casefold() for h in hosts})
        for host in (None, *named):
            listing = await self._client.list_meetings(
                meeting_type="scheduledMeeting",
                from_=now - timedelta(hours=1),
                to=now + SCHEDULE_AHEAD,
                host_email=host,
                site_url=self._site_url,
            )
            found.extend(listing.items)
            complete = complete and listing.complete
        observations = []
        for number, occurrence in sorted(next_occurrences(found, now).items()):
            self._learn(occurrence)
            if occurrence.start is not None:
                self._starts[number] = occurrence.start
            private = self._private(number, occurrence)
            observations.append(from_scheduled(occurrence, key=number, private=private))
        if complete:
            listed = {m.meeting_number for m in found if m.meeting_number}
            window = (now - timedelta(hours=1), now + SCHEDULE_AHEAD)
            for snapshot in unlisted(held, listed, hosts=set(named), window=window):
                if await self._gone(snapshot):
                    observations.append(Observation(key=snapshot.key, authority=Authority.GONE))
        if observations:
            await self._intake.observe(observations, now=now)

    async def _gone(self, snapshot: MeetingSnapshot) -> bool:
        """Whether Webex answers 404 for the series of a meeting no listing shows."""
        series = snapshot.uuid or self.index.series(snapshot.key)
        if series is None:
            return False
        try:
            await self._client.get_meeting(series)
        except NotFoundError:
            logger.info("meeting %s is gone though no deletion was delivered", snapshot.key)
            return True
        return False
