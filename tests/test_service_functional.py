"""WatchService end to end in one process: simulated site over loopback, real
client, store, scheduler and dispatcher, recording chat."""

import asyncio
from datetime import timedelta
from pathlib import Path

from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import XmlApiClient
from bot.watch.service import WatchService
from bot.watch.watcher import WatchSettings
from state.model import Event, Rules
from state.store import open_store
from tests.fakes.chat import RecordingChat
from tests.fakes.sim import ADMIN


async def test_a_new_meeting_reaches_the_channel(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    key = sim_site.schedule(
        host="alice", title="Kickoff", start=sim_clock.now() + timedelta(hours=1)
    )
    delivered = asyncio.Event()
    counted: list[Event] = []
    chat = RecordingChat()
    client = XmlApiClient(sim_url, ADMIN, clock=sim_clock.now)

    def on_delivered(delivery: object, _acked: object) -> None:
        if getattr(delivery, "meeting_key", None) == key:
            delivered.set()

    try:
        async with await open_store(f"sqlite:///{tmp_path / 'm.db'}") as store:
            await store.subscribe("C1", "all", None)
            service = WatchService(
                source=client,
                store=store,
                chat=chat,
                rules=Rules(),
                clock=sim_clock.now,
                settings=WatchSettings(discovery_interval=0.5, poll_interval=0.5),
                dispatch_interval=0.1,
                on_delivered=on_delivered,
                on_events=counted.extend,
            )
            async with service:
                await asyncio.wait_for(delivered.wait(), 20)
            assert not service.scheduler.running
    finally:
        await client.close()
    assert any(e.meeting_key == key for e in counted)
    assert any(p.card and p.card["title"] == "Kickoff" for p in chat.posted)
