"""Deliveries out of order, as Webex may send them: a meeting's start, a
join or its lobby arriving after what superseded it says nothing (the
delivery's own times against what the core knows)."""

from __future__ import annotations

from datetime import timedelta

from tests.restsim import ALICE, BOB, schedule
from tests.test_rest_feed_functional import K, rig

MINUTE = timedelta(minutes=1)


async def test_a_start_delivered_after_the_end_starts_nothing() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        await r.settle()
        r.site.deliveries.hold_next(1)  # the instance's `started`
        r.site.start(series.id)
        r.site.clock.advance(MINUTE)
        r.site.host_joins(series.id)
        await r.settle()
        r.site.clock.advance(MINUTE)
        r.site.end(series.id)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key)[:3] == [K.SCHEDULED, K.STARTED, K.HOST_JOINED]
        assert r.intake.kinds(key)[-1] is K.ENDED
        made = len(r.intake.events)
        r.site.deliveries.release_held()
        await r.settle()
        snapshot = await r.store.snapshot(key)
    assert r.intake.events[made:] == []
    assert snapshot is not None and not snapshot.in_progress


async def test_a_host_join_delivered_after_the_end_starts_nothing() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.start(series.id)
        await r.settle()
        r.site.clock.advance(MINUTE)
        r.site.deliveries.hold_next(1)  # the host's `joined`
        r.site.host_joins(series.id)
        r.site.clock.advance(MINUTE)
        r.site.end(series.id)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key)[-1] is K.ENDED
        made = len(r.intake.events)
        r.site.deliveries.release_held()
        await r.settle()
        snapshot = await r.store.snapshot(key)
    assert r.intake.events[made:] == []
    assert snapshot is not None and not snapshot.in_progress


async def test_a_lobby_delivered_after_the_host_joined_says_nothing() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        await r.settle()
        r.site.deliveries.hold_next(1)  # the instance's `started`, in the lobby
        r.site.lobby_join(series.id, BOB)
        r.site.clock.advance(MINUTE)
        await r.settle()
        r.site.host_joins(series.id)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key)[-1] is K.HOST_JOINED
        made = len(r.intake.events)
        r.site.deliveries.release_held()
        await r.settle()
        snapshot = await r.store.snapshot(key)
    assert r.intake.events[made:] == []
    assert snapshot is not None and snapshot.host_present is True


async def test_a_new_start_after_an_end_still_counts() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.start(series.id)
        r.site.host_joins(series.id)
        await r.settle()
        r.site.clock.advance(MINUTE)
        r.site.end(series.id)
        await r.settle()
        r.site.clock.advance(MINUTE)
        r.site.start(series.id)
        await r.settle()
        key = series.meeting_number
    assert r.intake.kinds(key).count(K.STARTED) == 2
