"""Deliveries the REST simulator signs and sends, read by webhook.py: a
webhook registered through the client, a meeting started and ended."""

from __future__ import annotations

import asyncio

from adapters.webex.rest.webhook import SIGNATURE_HEADER, check_delivery, delivery_identity
from tests.restclient import client_on
from tests.restsim import ALICE, new_site, running_target, schedule

SECRET = "a-webhook-secret"


async def test_the_simulator_s_deliveries_verify_and_tell_their_events_apart() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    async with running_target() as target, client_on(site) as webex:
        for event in ("started", "ended"):
            await webex.create_webhook(
                name=f"meetings/{event}",
                target_url=target.url,
                resource="meetings",
                event=event,
                secret=SECRET,
                owned_by="org",
            )
        site.start(series.id)
        site.end(series.id)
        async with asyncio.timeout(10):
            while len(target.received) < 2:
                target.arrived.clear()
                await target.arrived.wait()
    deliveries = [
        check_delivery(body, headers.get(SIGNATURE_HEADER), SECRET)
        for headers, body in target.received
    ]
    assert sorted(d.event for d in deliveries) == ["ended", "started"]
    assert all(d.resource == "meetings" and "_I_" in d.data_id for d in deliveries)
    assert len({d.data_id for d in deliveries}) == 1
    assert len({delivery_identity(d) for d in deliveries}) == 2
