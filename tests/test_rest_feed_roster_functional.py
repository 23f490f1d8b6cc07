"""The REST feed's live sweep lists participants only where a change of host
or attendees could have been missed: in steady state with webhooks, a running
meeting whose host is in costs no participant listing."""

from __future__ import annotations

from datetime import timedelta

from adapters.webex.rest.feed.observe import ROSTER_REFRESH
from tests.restsim import ALICE, BOB, schedule
from tests.test_rest_feed_functional import K, Rig, jobs_of, rig


def roster_calls(r: Rig, since: int) -> int:
    return sum(1 for c in r.site.calls[since:] if c.path == "/v1/meetingParticipants")


async def test_a_hosted_meeting_is_not_rostered_on_every_sweep() -> None:
    async with rig() as r:
        jobs = jobs_of(r)
        await jobs.check_webhooks(r.now())  # the start's sweep
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.host_joins(series.id)
        r.site.join(series.id, BOB)
        await r.settle()
        key = series.meeting_number
        assert r.intake.kinds(key)[-2:] == [K.STARTED, K.HOST_JOINED]
        before = len(r.site.calls)
        for _ in range(3):
            r.site.clock.advance(timedelta(seconds=20))
            await jobs.sweep_live(r.now())
        assert roster_calls(r, before) == 1  # its first sweep: the core had no roster
        before = len(r.site.calls)
        for _ in range(3):
            r.site.clock.advance(timedelta(seconds=20))
            await jobs.sweep_live(r.now())
        assert roster_calls(r, before) == 0


async def test_a_host_who_left_unseen_is_found_by_the_roster_refresh() -> None:
    async with rig() as r:
        jobs = jobs_of(r)
        await jobs.check_webhooks(r.now())
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.host_joins(series.id)
        r.site.join(series.id, BOB)
        await r.settle()
        await jobs.sweep_live(r.now())
        key = series.meeting_number
        r.site.deliveries.drop_next(1)
        r.site.leave(series.id, ALICE)
        await r.settle()
        await jobs.sweep_live(r.now())
        snapshot = await r.store.snapshot(key)
        assert snapshot is not None and snapshot.host_present is True
        r.site.clock.advance(ROSTER_REFRESH)
        await jobs.sweep_live(r.now())
        snapshot = await r.store.snapshot(key)
        assert snapshot is not None and snapshot.host_present is False
        assert K.HOST_LEFT in r.intake.kinds(key)


async def test_waiting_attendees_are_rostered_on_every_sweep() -> None:
    async with rig() as r:
        jobs = jobs_of(r)
        await jobs.check_webhooks(r.now())
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.join(series.id, BOB)
        await r.settle()
        await jobs.sweep_live(r.now())
        # The host's arrival is lost: the next sweep finds it.
        r.site.deliveries.drop_next(1)
        r.site.host_joins(series.id)
        await r.settle()
        before = len(r.site.calls)
        await jobs.sweep_live(r.now())
        assert roster_calls(r, before) == 1
        assert K.HOST_JOINED in r.intake.kinds(series.meeting_number)
