"""Who hears about an event: subscriptions matched against a meeting. Pure.

Rules: only enabled subscriptions count. scope all matches every meeting; host
matches when the target equals the meeting's host webExID or host email,
ignoring case; meeting matches the session key. A non-empty kinds set must
contain the event's kind. Each channel appears once per event, in subscription
order. attendees_waiting also goes to ``dm:<host email>`` when the email is known.
"""

from __future__ import annotations

from collections.abc import Iterable

from state.model import Event, EventKind, MeetingSnapshot, Scope, Subscription

__all__ = ["DM_PREFIX", "destinations", "matches"]

DM_PREFIX = "dm:"


def matches(subscription: Subscription, meeting: MeetingSnapshot, kind: EventKind) -> bool:
    """True when ``subscription`` wants events of ``kind`` about ``meeting``."""
    if not subscription.enabled:
        return False
    if subscription.kinds and kind not in subscription.kinds:
        return False
    target = (subscription.target or "").casefold()
    match subscription.scope:
        case Scope.ALL:
            return True
        case Scope.HOST:
            return target in {
                meeting.host_id.casefold(),
                (meeting.host_email or "").casefold(),
            } and bool(target)
        case Scope.MEETING:
            return target == meeting.key.casefold()


def destinations(
    event: Event, meeting: MeetingSnapshot, subscriptions: Iterable[Subscription]
) -> list[str]:
    """Every destination ``event`` must be delivered to, without repeats."""
    found = dict.fromkeys(s.channel for s in subscriptions if matches(s, meeting, event.kind))
    if event.kind is EventKind.ATTENDEES_WAITING and meeting.host_email:
        found[f"{DM_PREFIX}{meeting.host_email.casefold()}"] = None
    return list(found)
