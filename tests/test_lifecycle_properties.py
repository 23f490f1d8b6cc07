"""Properties of the lifecycle rules over random sequences of observations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from state.lifecycle import evolve, missed, tick
from state.model import Authority, Event, EventKind, MeetingSnapshot, Observation, Rules

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RULES = Rules()
maybe_bool = st.none() | st.booleans()

observations = st.builds(
    Observation,
    key=st.just("100"),
    authority=st.sampled_from(list(Authority)),
    start=st.none() | st.sampled_from([T0 + timedelta(minutes=m) for m in (-90, -5, 5, 30)]),
    duration_minutes=st.none() | st.sampled_from([30, 60]),
    in_progress=maybe_bool,
    host_present=maybe_bool,
    attendees_present=maybe_bool,
    locked=maybe_bool,
)
# Each step: what happens (an observation, a tick, or a missed listing) and how
# many seconds pass before it.
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=400),
        st.one_of(observations, st.just("tick"), st.just("missed")),
    ),
    max_size=25,
)


def _run(sequence: list[tuple[int, Observation | str]]) -> list[tuple[bool, list[Event]]]:
    """Feed the sequence through the rules, replaying each observation once more.

    Returns, per step, whether the session was already cancelled and what it emitted.
    """
    snapshot: MeetingSnapshot | None = None
    now = T0
    emitted: list[tuple[bool, list[Event]]] = []
    for seconds, step in sequence:
        now += timedelta(seconds=seconds)
        if isinstance(step, Observation):
            result = evolve(snapshot, step, now, RULES)
            again = evolve(result.snapshot, step, now, RULES)
            assert again.events == (), "a replayed observation emitted again"
            assert not again.changed
        elif snapshot is None:
            continue
        elif step == "tick":
            result = tick(snapshot, now, RULES)
        else:
            result = missed(snapshot, now, RULES)
        was_cancelled = snapshot is not None and snapshot.cancelled
        snapshot = result.snapshot
        emitted.append((was_cancelled, list(result.events)))
    return emitted


@settings(max_examples=300, deadline=None)
@given(steps)
def test_started_alternates_with_ended(sequence: list[tuple[int, Observation | str]]) -> None:
    running = False
    for _, events in _run(sequence):
        for event in events:
            if event.kind is EventKind.STARTED:
                assert not running, "started twice without ended between"
                running = True
            elif event.kind is EventKind.ENDED:
                assert running, "ended without started"
                running = False


@settings(max_examples=300, deadline=None)
@given(steps)
def test_nothing_after_cancelled(sequence: list[tuple[int, Observation | str]]) -> None:
    for was_cancelled, events in _run(sequence):
        assert not (was_cancelled and events), "an event after cancelled"
