"""Who hears about an event: state/fanout.py, one table row per rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from state.fanout import destinations, matches
from state.model import Event, EventKind, MeetingSnapshot, Scope, Subscription

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MEETING = MeetingSnapshot(
    key="100", host_id="Alice", host_email="alice@example.com", start=NOW, last_seen=NOW
)


def sub(
    scope: Scope,
    target: str | None = None,
    *,
    enabled: bool = True,
    kinds: frozenset[EventKind] = frozenset(),
) -> Subscription:
    return Subscription(
        id=1, channel="C1", scope=scope, target=target, enabled=enabled, kinds=kinds
    )


@pytest.mark.parametrize(
    ("subscription", "kind", "expected"),
    [
        (sub(Scope.ALL), EventKind.STARTED, True),
        (sub(Scope.ALL, enabled=False), EventKind.STARTED, False),
        (sub(Scope.HOST, "alice"), EventKind.STARTED, True),
        (sub(Scope.HOST, "ALICE@EXAMPLE.COM"), EventKind.STARTED, True),
        (sub(Scope.HOST, "bob"), EventKind.STARTED, False),
        (sub(Scope.MEETING, "100"), EventKind.STARTED, True),
        (sub(Scope.MEETING, "101"), EventKind.STARTED, False),
        (sub(Scope.ALL, kinds=frozenset({EventKind.ENDED})), EventKind.STARTED, False),
        (sub(Scope.ALL, kinds=frozenset({EventKind.ENDED})), EventKind.ENDED, True),
    ],
)
def test_matches(subscription: Subscription, kind: EventKind, expected: bool) -> None:
    assert matches(subscription, MEETING, kind) is expected


def test_host_scope_never_matches_a_meeting_without_email_on_an_empty_target() -> None:
    no_email = MeetingSnapshot(key="1", host_id="x", start=NOW, last_seen=NOW)
    assert not matches(sub(Scope.HOST, " "), no_email, EventKind.STARTED)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (EventKind.STARTED, ["C1", "C2"]),
        (EventKind.ATTENDEES_WAITING, ["C1", "C2", "dm:alice@example.com"]),
    ],
)
def test_destinations_once_per_channel(kind: EventKind, expected: list[str]) -> None:
    subscriptions = [
        Subscription(id=1, channel="C1", scope=Scope.ALL),
        Subscription(id=2, channel="C1", scope=Scope.HOST, target="alice"),
        Subscription(id=3, channel="C2", scope=Scope.MEETING, target="100"),
    ]
    event = Event(kind=kind, meeting_key="100", at=NOW)
    assert destinations(event, MEETING, subscriptions) == expected
