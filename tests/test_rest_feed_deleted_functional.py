"""A lost ``deleted`` delivery is caught up by the schedule sweep: a meeting
the core holds scheduled that a complete listing no longer shows is asked
directly, and only a 404 cancels it."""

from __future__ import annotations

from datetime import timedelta

from tests.restsim import ALICE, schedule
from tests.test_rest_feed_functional import K, Rig, jobs_of, rig


async def scheduled_then_deleted_unseen(r: Rig) -> str:
    series = schedule(r.site, ALICE, title="Planning", minutes_ahead=120)
    await r.settle()
    r.site.deliveries.drop_next(1)
    r.site.delete(series.id)
    await r.settle()
    assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]
    return series.meeting_number


async def test_a_deletion_whose_delivery_was_lost_cancels_after_a_complete_sweep() -> None:
    async with rig() as r:
        key = await scheduled_then_deleted_unseen(r)
        await jobs_of(r).sweep_schedule(r.now())
        snapshot = await r.store.snapshot(key)
    assert r.intake.kinds(key) == [K.SCHEDULED, K.CANCELLED]
    assert snapshot is not None and snapshot.cancelled


async def test_an_incomplete_listing_cancels_nothing() -> None:
    async with rig() as r:
        key = await scheduled_then_deleted_unseen(r)
        r.site.deliveries.drop_next(110)
        for i in range(110):
            schedule(r.site, ALICE, title=f"Other {i}", minutes_ahead=30 + i)
        await r.settle()
        # The admin's own listing and Alice's first page answer; her second fails.
        r.site.faults.inject("latency", path="/v1/meetings", times=2, seconds=0)
        r.site.faults.inject("http503", path="/v1/meetings")
        await jobs_of(r).sweep_schedule(r.now())
        assert r.intake.kinds(key) == [K.SCHEDULED]
        await jobs_of(r).sweep_schedule(r.now())
    assert r.intake.kinds(key) == [K.SCHEDULED, K.CANCELLED]


async def test_a_meeting_moved_out_of_the_window_unseen_is_asked_and_kept() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=120)
        await r.settle()
        key = series.meeting_number
        r.site.deliveries.drop_next(1)
        r.site.update(
            series.id, start=r.now() + timedelta(days=8), end=r.now() + timedelta(days=8, hours=1)
        )
        await r.settle()
        before = len(r.site.calls)
        await jobs_of(r).sweep_schedule(r.now())
        asked = [c.path for c in r.site.calls[before:] if c.path != "/v1/meetings"]
        snapshot = await r.store.snapshot(key)
    assert asked == [f"/v1/meetings/{series.id}"]
    assert r.intake.kinds(key) == [K.SCHEDULED]
    assert snapshot is not None and not snapshot.cancelled


async def test_a_meeting_of_a_host_not_listed_is_not_asked() -> None:
    async with rig() as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=120)
        await r.settle()
        before = len(r.site.calls)
        await r.feed.sweep_schedule(r.now(), hosts=[], held=await r.store.snapshots())
        paths = [c.path for c in r.site.calls[before:]]
    assert r.intake.kinds(series.meeting_number) == [K.SCHEDULED]
    assert paths == ["/v1/meetings"]  # only the admin's own schedule: Alice's is not asked
