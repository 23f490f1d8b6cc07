"""Poll planning: which listings to make and who gets GetSessionInfo first."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise

import pytest

from adapters.webex.xmlapi.feed.plan import (
    ListingQuery,
    discovery_queries,
    hosts_to_check_open,
    live_candidates,
    live_queries,
    prune_by_open_sessions,
    rank_for_session_info,
    refresh_candidates,
    resolve_hosts,
    split_by_start,
)
from state.model import Authority, MeetingSnapshot, Observation

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DAY, WEEK, SOON = timedelta(hours=24), timedelta(days=7), timedelta(minutes=15)


def snap(key: str, start_in_min: int, **kw: object) -> MeetingSnapshot:
    return MeetingSnapshot(
        key=key,
        host_id=str(kw.pop("host", "ana")),
        start=NOW + timedelta(minutes=start_in_min),
        duration_minutes=60,
        last_seen=NOW,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("any_all", "hosts", "expected_hosts"),
    [
        (True, {"ana", "bo"}, [None]),
        (False, {"bo", "ana"}, ["ana", "bo"]),
        (False, set(), []),
    ],
)
def test_discovery_queries(any_all: bool, hosts: set[str], expected_hosts: list[str]) -> None:
    queries = discovery_queries(any_all=any_all, hosts=hosts, now=NOW, lookback=DAY, lookahead=WEEK)
    assert [q.host_webex_id for q in queries] == expected_hosts
    assert all(q.start_from == NOW - DAY and q.start_to == NOW + WEEK for q in queries)


def test_discovery_lists_the_near_part_every_cycle_and_the_far_parts_when_due() -> None:
    near_back, near_ahead = timedelta(hours=2), DAY
    site = partial(discovery_queries, any_all=True, hosts=(), now=NOW, lookback=DAY, lookahead=WEEK)
    every = site(near_back=near_back, near_ahead=near_ahead, far=True)
    assert [(q.part, q.start_from, q.start_to) for q in every] == [
        ("before", NOW - DAY, NOW - near_back),
        ("near", NOW - near_back, NOW + near_ahead),
        ("ahead", NOW + near_ahead, NOW + WEEK),
    ]
    (near,) = site(near_back=near_back, near_ahead=near_ahead, far=False)
    assert near == every[1]
    # Only the cut that is asked for: a near part reaching back the whole
    # lookback leaves one far part; no cut at all leaves the whole window.
    assert [q.part for q in site(near_ahead=near_ahead)] == ["near", "ahead"]
    assert [q.part for q in site(near_back=WEEK, near_ahead=WEEK)] == ["whole"]


@pytest.mark.parametrize(
    ("s", "candidate"),
    [
        (snap("live", -30, in_progress=True), True),
        (snap("imminent", 10), True),
        (snap("late", -5), True),
        (snap("later", 16), False),
        (snap("over", -61), False),
        (snap("ended", -30, ended_at=NOW - timedelta(minutes=1)), False),
        (snap("cancelled", 5, cancelled=True), False),
        (snap("overrun", -200, in_progress=True), True),
    ],
)
def test_live_candidates(s: MeetingSnapshot, candidate: bool) -> None:
    assert (live_candidates([s], now=NOW, horizon=SOON) == [s]) is candidate


def test_live_queries_cover_the_earliest_start_and_each_host() -> None:
    old = snap("old", -26 * 60, in_progress=True, host="bo")
    new = snap("new", 5)
    site = live_queries([old, new], any_all=True, now=NOW, lookback=DAY, horizon=SOON)
    assert site == [ListingQuery(start_from=old.start, start_to=NOW + SOON)]
    per_host = live_queries([old, new], any_all=False, now=NOW, lookback=DAY, horizon=SOON)
    assert [q.host_webex_id for q in per_host] == ["ana", "bo"]
    # Site-wide, what runs is listed before any candidate is known.
    assert live_queries([], any_all=True, now=NOW, lookback=DAY, horizon=SOON) == [
        ListingQuery(start_from=NOW - DAY, start_to=NOW + SOON)
    ]
    assert live_queries([], any_all=False, now=NOW, lookback=DAY, horizon=SOON) == []
    early = snap("early", 60, in_progress=True)
    (q,) = live_queries([early], any_all=True, now=NOW, lookback=DAY, horizon=SOON)
    assert q.start_to > early.start


def test_a_long_site_wide_live_window_is_cut_into_parts_of_one_page() -> None:
    # Five sessions at -30 min, then one each minute up to +6: parts of at most
    # three known sessions, cut only between distinct starts.
    starts = [NOW - timedelta(minutes=30)] * 5 + [NOW + timedelta(minutes=m) for m in range(7)]
    candidates = [
        snap(f"s{i}", round((t - NOW).total_seconds() / 60)) for i, t in enumerate(starts)
    ]
    parts = live_queries(
        candidates, any_all=True, now=NOW, lookback=DAY, horizon=SOON, rows_per_query=3
    )
    whole = live_queries(candidates, any_all=True, now=NOW, lookback=DAY, horizon=SOON)
    assert len(whole) == 1
    assert parts[0].start_from == whole[0].start_from
    assert parts[-1].start_to == whole[0].start_to
    # The site's window includes its end: a part ends a second before the
    # next one starts, so no start second is listed twice nor left out.
    assert all(a.start_to == b.start_from - timedelta(seconds=1) for a, b in pairwise(parts))
    held = [sum(q.start_from <= t <= q.start_to for t in starts) for q in parts]
    # The five that share a start stay together; then three, three and one.
    assert held == [5, 3, 3, 1]
    # Per host nothing is cut; a window with room stays whole.
    per_host = live_queries(
        candidates, any_all=False, now=NOW, lookback=DAY, horizon=SOON, rows_per_query=3
    )
    assert len(per_host) == 1
    assert split_by_start(whole[0], starts, 100) == whole
    with pytest.raises(ValueError, match="at least 1"):
        split_by_start(whole[0], starts, 0)


def test_open_sessions_prune_only_idle_hosts_with_nothing_open() -> None:
    live = snap("live", -10, in_progress=True, host="Ana")
    bo, cy, di = snap("bo", 5, host="bo"), snap("cy", 5, host="cy"), snap("di", 5, host="di")
    candidates = [live, bo, cy, di]
    queries = live_queries(candidates, any_all=False, now=NOW, lookback=DAY, horizon=SOON)
    idle = hosts_to_check_open(queries, candidates)
    assert idle
    kept = prune_by_open_sessions(queries, idle, ["CY", "someone-else"])
    # Ana is believed live: listed whatever LstOpenSession says (she may have
    # ended, and her listing says who is present); of the idle hosts only cy
    # (any case) has something open.
    assert [q.host_webex_id for q in kept] == ["Ana", "cy"]
    assert prune_by_open_sessions(queries, idle, []) == queries[:1]


def test_open_sessions_are_not_asked_when_they_cannot_save_a_request() -> None:
    live = snap("live", -10, in_progress=True, host="ana")
    one_idle = [live, snap("bo", 5, host="bo")]
    per_host = live_queries(one_idle, any_all=False, now=NOW, lookback=DAY, horizon=SOON)
    assert not hosts_to_check_open(per_host, one_idle)
    idle = [snap("bo", 5, host="bo"), snap("cy", 5, host="cy")]
    site = live_queries(idle, any_all=True, now=NOW, lookback=DAY, horizon=SOON)
    assert not hosts_to_check_open(site, idle)


def test_ranking_puts_waiting_attendees_first_then_live_then_imminent() -> None:
    imminent = snap("imminent", 5)
    live = snap("live", -10, in_progress=True, host_present=True)
    waiting = snap("waiting", -10, in_progress=True, attendees_present=True, host_present=False)
    ranked = rank_for_session_info([imminent, live, waiting], {})
    assert [s.key for s in ranked] == ["waiting", "live", "imminent"]


def test_ranking_rotates_within_a_tier() -> None:
    a, b = snap("a", -10, in_progress=True), snap("b", -10, in_progress=True)
    ranked = rank_for_session_info([a, b], {"a": NOW})
    assert [s.key for s in ranked] == ["b", "a"]
    ranked = rank_for_session_info([a, replace(b)], {"a": NOW, "b": NOW + timedelta(seconds=1)})
    assert [s.key for s in ranked] == ["a", "b"]


def test_listing_window_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        ListingQuery(start_from=NOW, start_to=NOW - DAY)


def test_refresh_applies_what_the_live_listing_said() -> None:
    live = snap("live", -10, in_progress=True, host_present=True)
    waiting = snap("waiting", -10, in_progress=True, host_present=False)
    ended = snap("ended", -10, in_progress=True)
    seen = {
        "waiting": Observation(
            key="waiting", authority=Authority.SCHEDULE, in_progress=True, attendees_present=True
        ),
        "ended": Observation(key="ended", authority=Authority.SCHEDULE, in_progress=False),
    }
    out = refresh_candidates([live, waiting, ended], seen)
    assert [s.key for s in out] == ["live", "waiting"]
    assert (out[1].host_present, out[1].attendees_present) == (False, True)


def test_resolve_hosts_through_known_snapshots() -> None:
    known = [snap("1", 60, host="ana", host_email="Ana@Example.com"), snap("2", 60, host="bo")]
    ids, unresolved = resolve_hosts({"cy", "ana@example.com", "zed@example.com"}, {"2", "9"}, known)
    assert ids == {"cy", "ana", "bo"}
    assert unresolved == {"zed@example.com", "9"}


@pytest.mark.parametrize(
    ("offsets", "held"),
    [
        # Whole seconds apart: cut, the first part ending a second before the next.
        ([0, 1, 2], [1, 1, 1]),
        # Less than a second apart: no cut could leave nothing between the parts.
        ([0, 0.5, 0.9, 3], [3, 1]),
    ],
)
def test_live_parts_are_cut_only_between_whole_seconds(
    offsets: list[float], held: list[int]
) -> None:
    whole = ListingQuery(start_from=NOW - timedelta(minutes=1), start_to=NOW + timedelta(minutes=1))
    starts = [NOW + timedelta(seconds=s) for s in offsets]
    parts = split_by_start(whole, starts, 1)
    assert [sum(q.start_from <= t <= q.start_to for t in starts) for q in parts] == held
    assert parts[0].start_from == whole.start_from and parts[-1].start_to == whole.start_to
