"""The REST feed's live sweep on a site whose listings trail reality by 15
minutes, as Cisco's do: a lagging listing never starts an ended meeting again."""

from __future__ import annotations

from datetime import timedelta

from tests.restsim import ALICE, new_site, schedule
from tests.test_rest_feed_functional import K, rig

LAG = timedelta(minutes=15)


async def test_a_meeting_ended_by_webhook_is_not_started_again_by_a_lagging_listing() -> None:
    async with rig(new_site(lag=LAG)) as r:
        series = schedule(r.site, ALICE, title="Planning", minutes_ahead=0)
        r.site.start(series.id)
        r.site.host_joins(series.id)
        await r.settle()
        r.site.clock.advance(LAG + timedelta(minutes=5))
        r.site.end(series.id)
        await r.settle()
        key = series.meeting_number
        # The listing still shows the instance in progress (it ended 0 s ago).
        listed = await r.client.list_meetings(meeting_type="meeting", state="inProgress")
        assert [m.id for m in listed.items] == [r.site.all_series()[0].instances[0].id]
        await r.feed.sweep_live(r.now())
        snapshot = await r.store.snapshot(key)
    assert snapshot is not None and not snapshot.in_progress
    assert r.intake.kinds(key).count(K.STARTED) == 1
    assert r.intake.kinds(key)[-1] is K.ENDED
