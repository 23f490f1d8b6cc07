"""What each ``/webex`` command does: Command -> WebexMeetings / store calls -> a Reply.

Runs after the command was acknowledged (see :mod:`bot.commands.flow`). Never raises
for a Webex failure: every :class:`~adapters.errors.WebexError` becomes a plain
sentence with its exceptionID. Replies are chat-neutral
(:class:`adapters.chat.Reply`); each chat renders and escapes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from adapters.chat import BulletList, Code, Em, Message, Page, Reply, message
from adapters.errors import RateLimitedError, WebexError, WebexTransportError
from adapters.webex.models import LiveState, MeetingRequest
from adapters.webex.port import WebexMeetings
from bot.commands import replies
from bot.commands.grammar import (
    CancelCommand,
    Command,
    CreateCommand,
    HelpCommand,
    ListCommand,
    StatusCommand,
    SubscribeCommand,
    SubscriptionsCommand,
    UnsubscribeCommand,
)
from bot.commands.when import StartTimeError, resolve_start
from bot.watch.zones import user_zone
from state.clock import Clock
from state.fanout import matches
from state.model import EventKind, MeetingSnapshot, Scope, Subscription
from state.store import Store

__all__ = [
    "LIST_WINDOW",
    "CommandActions",
    "LookupBudget",
    "Requester",
]

logger = logging.getLogger("meetbot.actions")

#: Webex refusing to schedule for another host: 060019 no such host, 060021
#: may not schedule for that host, 000001 access denied.
_NOT_FOR_THAT_HOST = frozenset({"060019", "060021", "000001"})


class _BudgetSpent(Exception):
    """The hourly GetSessionInfo budget has nothing left for a command."""


class LookupBudget(Protocol):
    """The account's allowance of live-state look-ups, shared with the feed (for
    the XML API, its GetSessionInfo budget)."""

    def take(self, wanted: int, now: datetime) -> int:
        """Spend up to ``wanted`` look-ups at ``now``; how many were granted."""
        ...


#: How far ahead ``list`` looks for upcoming meetings.
LIST_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class Requester:
    """Who typed the command, where. ``tz`` is an IANA zone, None when unknown
    (times are then shown in UTC and the reply says so); ``email`` None when
    Slack did not share it. ``profile_read`` False: Slack's profile could not be
    read at all, so the commands that act as the requester (create, cancel) are
    refused and the rest work without it."""

    user_id: str
    channel_id: str
    tz: str | None = "UTC"
    email: str | None = None
    profile_read: bool = True


def _no_profile(what: str) -> Message:
    return message(
        (
            (
                "I could not read your Slack profile (your time zone and email), and "
                f"{what} needs it; please try again in a minute. "
            ),
            Code("list"),
            ", ",
            Code("status"),
            " and the subscription commands work meanwhile.",
        )
    )


def _say(*blocks: str | BulletList) -> Reply:
    """A private reply of plain paragraphs (and lists)."""
    return Reply(body=message(*blocks))


class CommandActions:
    """Carries out parsed commands.

    Args:
        webex: the Webex site.
        store: subscriptions and meeting snapshots.
        clock: returns the current aware UTC time.
        budget: paid one look-up per live state asked for; None: unlimited.
    """

    def __init__(
        self,
        *,
        webex: WebexMeetings,
        store: Store,
        clock: Clock,
        budget: LookupBudget | None = None,
    ) -> None:
        self._budget = budget
        self._webex = webex
        self._store = store
        self._clock = clock

    async def run(self, command: Command, requester: Requester) -> Reply:
        """Carry out ``command`` for ``requester``. Raises only StoreError (and
        programming errors); Webex failures become reply text."""
        if not requester.profile_read and isinstance(command, CreateCommand | CancelCommand):
            what = "creating" if isinstance(command, CreateCommand) else "cancelling"
            what += " a meeting"
            return Reply(body=_no_profile(what))
        try:
            return await self._dispatch(command, requester)
        except WebexError as e:
            logger.warning("webex call failed for %s: %s", type(command).__name__, e)
            return Reply(body=replies.webex_error_text(e, doing=_doing(command)))

    async def _dispatch(self, command: Command, requester: Requester) -> Reply:
        if isinstance(command, CreateCommand):
            return await self._create(command, requester)
        if isinstance(command, ListCommand):
            return await self._list(requester)
        if isinstance(command, StatusCommand):
            return await self._status(command.key, requester)
        if isinstance(command, CancelCommand):
            return await self._cancel(command.key, requester)
        if isinstance(command, SubscribeCommand):
            return await self._subscribe(command, requester)
        if isinstance(command, UnsubscribeCommand):
            removed = await self._store.unsubscribe(
                requester.channel_id, command.scope, command.target
            )
            what = _describe(command.scope, command.target)
            text = (
                f"Unsubscribed this channel from {what}."
                if removed
                else f"This channel was not subscribed to {what}."
            )
            return _say(text)
        if isinstance(command, SubscriptionsCommand):
            return await self._subscriptions(requester)
        if isinstance(command, HelpCommand):
            return Reply(body=replies.usage())
        raise TypeError(f"unhandled command {command!r}")

    async def home(self, *, email: str | None, tz: str | None) -> Page:
        """App Home: the live and upcoming meetings this email hosts."""
        mine: list[MeetingSnapshot] = []
        if email is not None:
            active = await self._store.snapshots(active_only=True, now=self._clock())
            mine = [s for s in active if _same_email(s.host_email, email)]
        return replies.home_page(mine, user_zone(tz), email)

    async def _create(self, command: CreateCommand, requester: Requester) -> Reply:
        tz, note = _zone(requester)
        now = self._clock()
        try:
            start = resolve_start(command.start, now=now, tz=tz)
        except StartTimeError as e:
            return Reply(body=message(str(e)) + note)
        request = MeetingRequest(
            title=command.title,
            start=start,
            duration_minutes=command.duration_minutes,
            zone=tz,
            private=command.private,
            auto_lock_minutes=command.auto_lock_minutes,
            external_attendee_security=command.external_attendee_security,
            host=await self._webex_id_for(requester.email),
        )
        try:
            try:
                created = await self._webex.create_meeting(request)
            except WebexError as e:
                if request.host is None or e.detail not in _NOT_FOR_THAT_HOST:
                    raise
                # The bot's account may not schedule for that host: schedule it
                # as the bot's own meeting rather than not at all.
                request = replace(request, host=None)
                created = await self._webex.create_meeting(request)
        except WebexTransportError as e:
            logger.warning("CreateMeeting got no usable answer: %s", e)
            return Reply(
                body=message(
                    (
                        (
                            "Webex did not answer properly, so I cannot tell whether the meeting "
                            "was created. Check "
                        ),
                        Code("/webex list"),
                        " before trying again.",
                    )
                )
            )
        logger.info("created meeting %s for %s", created.meeting_key, requester.user_id)
        return Reply(
            body=replies.created_private(request, created, tz) + note,
            announcement=replies.announcement(request, created, requester.user_id),
        )

    async def _webex_id_for(self, email: str | None) -> str | None:
        """The webExID of the Webex host with this email, as the listings told the
        store; None when unknown (the meeting is then the bot account's own)."""
        if not email:
            return None
        for snapshot in await self._store.snapshots(active_only=False):
            if snapshot.host_id and _same_email(snapshot.host_email, email):
                return snapshot.host_id
        return None

    async def _list(self, requester: Requester) -> Reply:
        now = self._clock()
        subscriptions = [
            s for s in await self._store.subscriptions(requester.channel_id) if s.enabled
        ]
        shown = [
            s
            for s in await self._store.snapshots(active_only=True, now=now)
            if _current(s, now)
            and (
                any(_follows(sub, s) for sub in subscriptions)
                if subscriptions
                else _same_email(s.host_email, requester.email)
            )
        ]
        whose = "this channel's subscriptions" if subscriptions else "you"
        if not shown:
            return _say(f"No live or upcoming (24 h) meetings for {whose}.")
        shown.sort(key=lambda s: (not s.in_progress, s.start))
        tz, note = _zone(requester)
        lines = replies.meeting_lines(shown, tz, requester.email)
        return Reply(body=message(f"Live and upcoming (24 h) meetings for {whose}:", lines) + note)

    async def _status(self, key: str, requester: Requester) -> Reply:
        tz, note = _zone(requester)
        snapshot = await self._store.snapshot(key)
        if snapshot is not None:
            return Reply(body=message(replies.snapshot_line(snapshot, tz, requester.email)) + note)
        try:
            info = await self._live_state(key)
        except (RateLimitedError, _BudgetSpent) as e:
            if isinstance(e, RateLimitedError) and e.until is None:
                raise  # slow down: said as such, like any other Webex failure
            # Look-ups are blocked or spent for a while. GetMeeting has its own
            # budget: it still tells the schedule, not live state.
            details = await self._webex.get_meeting(key)
            return Reply(body=message(replies.details_line(details, tz)) + note)
        return Reply(body=message(replies.live_state_line(info, tz, requester.email)) + note)

    async def _live_state(self, key: str) -> LiveState:
        """The live state of one meeting, paid from the watcher's hourly budget so
        that commands cannot push the account into the two-hour 403 block."""
        if self._budget is not None and self._budget.take(1, self._clock()) == 0:
            raise _BudgetSpent
        return await self._webex.live_state(key)

    async def _cancel(self, key: str, requester: Requester) -> Reply:
        if requester.email is None:
            return _say(
                "Slack did not share your email with the bot, so I cannot check "
                "that you host this meeting."
            )
        snapshot = await self._store.snapshot(key)
        host_email = snapshot.host_email if snapshot is not None else None
        if host_email is None:
            try:
                host_email = (await self._live_state(key)).host_email
            except _BudgetSpent:
                return _say("I have used this hour's Webex lookups; try again in a few minutes.")
        if host_email is None:
            return _say("Webex did not say who hosts this meeting, so I cannot cancel it.")
        if not _same_email(host_email, requester.email):
            return _say(
                f"Only the meeting's host can cancel meeting {key}; "
                f"your Slack email ({requester.email}) is not the host's."
            )
        await self._webex.delete_meeting(key)
        logger.info("cancelled meeting %s for %s", key, requester.user_id)
        return _say(f"Cancelled meeting {key}.")

    async def _subscribe(self, command: SubscribeCommand, requester: Requester) -> Reply:
        """Subscribing again replaces the kinds (and resumes a paused subscription);
        the reply says what changed, so a narrower list is never a silent loss."""
        before = await self._store.subscriptions(requester.channel_id)
        now = await self._store.subscribe(
            requester.channel_id, command.scope, command.target, command.kinds
        )
        old = next((s for s in before if (s.scope, s.target) == (now.scope, now.target)), None)
        what = _describe(now.scope, now.target)
        if old is None:
            return _say(f"This channel now follows {what} ({_kinds(now.kinds)}).")
        kinds, earlier = _kinds(now.kinds), _kinds(old.kinds)
        if not old.enabled:
            was = f", before: {earlier}" if earlier != kinds else ""
            reason = old.disabled_reason or "disabled"
            return _say(
                f"This channel follows {what} again ({kinds}{was}); it was paused: {reason}."
            )
        if earlier == kinds:
            return _say(f"This channel already follows {what} ({kinds}); nothing changed.")
        only = " only" if now.kinds else ""
        return _say(f"This channel followed {what} with {earlier}; now with {kinds}{only}.")

    async def _subscriptions(self, requester: Requester) -> Reply:
        subscriptions = await self._store.subscriptions(requester.channel_id)
        if not subscriptions:
            return Reply(
                body=message(
                    ("This channel follows nothing yet. Try ", Code("/webex subscribe all"), ".")
                )
            )
        lines = BulletList(
            tuple(
                (
                    f"{_describe(s.scope, s.target)} ({_kinds(s.kinds)})"
                    + ("" if s.enabled else f", paused: {s.disabled_reason or 'disabled'}"),
                )
                for s in subscriptions
            )
        )
        return _say("This channel follows:", lines)


def _zone(requester: Requester) -> tuple[ZoneInfo, Message]:
    """The requester's zone, and a note for the reply when it is UTC only because
    the zone is unknown."""
    zone = user_zone(requester.tz)
    if requester.tz is not None and zone.key == requester.tz:
        return zone, message()
    if not requester.profile_read:
        why = "I could not read your Slack profile"
    elif requester.tz is None:
        why = "your Slack profile names no time zone"
    else:
        why = f"your Slack time zone {requester.tz} is unknown here"
    return zone, message((Em(f"Times are in UTC: {why}."),))


def _doing(command: Command) -> str:
    if isinstance(command, CancelCommand):
        return f"cancel meeting {command.key}"
    if isinstance(command, StatusCommand):
        return f"look up meeting {command.key}"
    if isinstance(command, CreateCommand):
        return "create the meeting"
    return "answer"


def _describe(scope: Scope, target: str | None) -> str:
    if scope is Scope.ALL:
        return "every meeting on the site"
    if scope is Scope.HOST:
        return f"meetings hosted by {target or ''}"
    return f"meeting {target or ''}"


def _kinds(kinds: frozenset[EventKind]) -> str:
    if not kinds or kinds == frozenset(EventKind):
        return "all events"
    return ", ".join(sorted(k.value for k in kinds))


def _same_email(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


def _current(snapshot: MeetingSnapshot, now: datetime) -> bool:
    if snapshot.cancelled or snapshot.ended_at is not None:
        return False
    return snapshot.in_progress or now <= snapshot.start <= now + LIST_WINDOW


def _follows(subscription: Subscription, snapshot: MeetingSnapshot) -> bool:
    """The subscription wants at least one kind of event about this meeting."""
    return any(matches(subscription, snapshot, kind) for kind in EventKind)
