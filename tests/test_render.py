"""Rendering: status lines, event texts, and what must never appear."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.chat import CardTone
from bot.notify.render import PRIVATE_TITLE, render_card, render_event, render_host_dm
from state.lifecycle import evolve
from state.model import (
    Authority,
    Event,
    EventKind,
    MeetingSnapshot,
    Observation,
    Rules,
    ran_minutes,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
BASE = MeetingSnapshot(
    key="123456789",
    title="Quarterly numbers",
    host_id="ana",
    host_email="ana@example.com",
    start=T0,
    duration_minutes=45,
    join_url="https://example.webex.com/j.php?MTID=abc",
    last_seen=T0,
)


@pytest.mark.parametrize(
    ("changes", "now", "status", "tone"),
    [
        ({}, None, "Scheduled", CardTone.SCHEDULED),
        ({}, T0 - timedelta(hours=2), "Scheduled", CardTone.SCHEDULED),
        ({}, T0 - timedelta(minutes=10), "Starting soon", CardTone.SOON),
        ({"in_progress": True}, T0, "In progress", CardTone.LIVE),
        (
            {"in_progress": True, "host_present": True},
            T0,
            "In progress, host present",
            CardTone.LIVE,
        ),
        (
            {"in_progress": True, "host_present": False, "attendees_present": True},
            T0,
            "Attendees waiting for the host",
            CardTone.WAITING,
        ),
        (
            {"in_progress": True, "host_present": True, "locked": True},
            T0,
            "In progress, host present, locked",
            CardTone.LIVE,
        ),
        (
            {"started_at": T0, "ended_at": T0 + timedelta(minutes=38)},
            T0 + timedelta(hours=1),
            "Ended after 38 minutes",
            CardTone.ENDED,
        ),
        ({"cancelled": True}, T0, "Cancelled", CardTone.CANCELLED),
    ],
)
def test_card_status(
    changes: dict[str, object], now: datetime | None, status: str, tone: CardTone
) -> None:
    card = render_card(replace(BASE, **changes), now)  # type: ignore[arg-type]
    assert (card.status, card.tone) == (status, tone)
    assert card.title == "Quarterly numbers"
    assert card.host == "ana@example.com"


def event(kind: EventKind, **kw: object) -> Event:
    return Event(kind=kind, meeting_key=BASE.key, at=T0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ev", "text"),
    [
        (event(EventKind.SCHEDULED), "Scheduled for Sat 2026-11-28 09:00 UTC, 45 minutes."),
        (
            event(EventKind.RESCHEDULED, previous_start=T0 - timedelta(hours=1)),
            "Rescheduled: moved from Sat 2026-11-28 08:00 UTC to Sat 2026-11-28 09:00 UTC.",
        ),
        (
            event(EventKind.RESCHEDULED, previous_duration_minutes=30),
            "Rescheduled: length changed from 30 minutes to 45 minutes.",
        ),
        (
            Event(kind=EventKind.STARTING_SOON, meeting_key="1", at=T0 - timedelta(minutes=5)),
            "Starts in 5 minutes, at Sat 2026-11-28 09:00 UTC.",
        ),
        (event(EventKind.STARTED), "Started."),
        (event(EventKind.ATTENDEES_WAITING), "Attendees are waiting for the host."),
        (event(EventKind.HOST_JOINED), "The host joined."),
        (event(EventKind.HOST_LEFT), "The host left."),
        (event(EventKind.LOCKED), "The meeting was locked."),
        (event(EventKind.UNLOCKED), "The meeting was unlocked."),
        (event(EventKind.ENDED, ran_minutes=1), "Ended after 1 minute."),
        (event(EventKind.CANCELLED), "Cancelled."),
    ],
)
def test_event_text(ev: Event, text: str) -> None:
    assert render_event(ev, BASE) == text


def test_every_event_kind_renders() -> None:
    for kind in EventKind:
        assert render_event(event(kind), BASE)
        assert render_host_dm(event(kind), BASE)


def test_host_dm_names_the_meeting_and_links_where_useful() -> None:
    text = render_host_dm(event(EventKind.ATTENDEES_WAITING), BASE)
    assert text == (
        'Attendees are waiting for you in your meeting "Quarterly numbers". '
        "Join: https://example.webex.com/j.php?MTID=abc"
    )


SECRET_TITLE = "Merger talks with Initech"


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(list(EventKind)),
    in_progress=st.booleans(),
    host=st.none() | st.booleans(),
    attendees=st.none() | st.booleans(),
    locked=st.none() | st.booleans(),
)
def test_private_title_and_link_never_appear(
    kind: EventKind,
    in_progress: bool,
    host: bool | None,
    attendees: bool | None,
    locked: bool | None,
) -> None:
    snap = replace(
        BASE,
        title=SECRET_TITLE,
        private=True,
        in_progress=in_progress,
        host_present=host,
        attendees_present=attendees,
        locked=locked,
    )
    card = render_card(snap, T0)
    assert card.title == PRIVATE_TITLE
    assert card.join_url is None
    texts = [repr(card), render_event(event(kind), snap), render_host_dm(event(kind), snap)]
    for text in texts:
        assert SECRET_TITLE not in text
        assert "MTID" not in text


@pytest.mark.parametrize("param", ["pwd", "PW", "password"])
def test_password_parameters_are_stripped_from_links(param: str) -> None:
    snap = replace(BASE, join_url=f"https://example.webex.com/j.php?MTID=abc&{param}=s3cr3t")
    card = render_card(snap, T0)
    dm = render_host_dm(event(EventKind.ATTENDEES_WAITING), snap)
    assert card.join_url == "https://example.webex.com/j.php?MTID=abc"
    assert "s3cr3t" not in repr(card)
    assert "s3cr3t" not in dm


def _ended_after(ran: timedelta) -> tuple[Event, MeetingSnapshot]:
    """The ended event and the snapshot of a meeting a listing shows ended ``ran``
    after it started, as the lifecycle rules make them."""
    live = replace(BASE, in_progress=True, started_at=T0, host_present=True, host_announced=True)
    observed = Observation(key=BASE.key, authority=Authority.SCHEDULE, in_progress=False)
    transition = evolve(live, observed, T0 + ran, Rules())
    (ended,) = [e for e in transition.events if e.kind is EventKind.ENDED]
    assert transition.snapshot is not None
    return ended, transition.snapshot


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=6 * 3600))
def test_the_card_and_the_reply_say_the_same_ran_minutes(seconds: int) -> None:
    ended, snapshot = _ended_after(timedelta(seconds=seconds))
    card, reply = render_card(snapshot).status, render_event(ended, snapshot)
    assert card.startswith("Ended after ") and reply == f"{card}."


def test_a_meeting_of_seventeen_and_a_half_minutes_ran_seventeen_on_card_and_reply() -> None:
    ended, snapshot = _ended_after(timedelta(minutes=17, seconds=36))
    assert ended.ran_minutes == snapshot.ran_minutes == 17
    assert render_card(snapshot).status == "Ended after 17 minutes"
    assert render_event(ended, snapshot) == "Ended after 17 minutes."


@pytest.mark.parametrize(
    ("started", "ended", "minutes"),
    [
        (T0, T0 + timedelta(seconds=59), 0),
        (T0, T0 + timedelta(seconds=60), 1),
        (T0, T0 + timedelta(minutes=17, seconds=59), 17),
        (T0, T0 - timedelta(minutes=3), 0),  # clocks that disagree never give a negative
        (None, T0, None),
        (T0, None, None),
    ],
)
def test_ran_minutes(started: datetime | None, ended: datetime | None, minutes: int | None) -> None:
    assert ran_minutes(started, ended) == minutes
