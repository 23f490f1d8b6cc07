"""A site that answers listings in each meeting's own zone, not the one asked
for: its listings and GetSessionInfo disagree on every such meeting's start.
Over loopback with the real client, store, watcher and dispatcher, that
disagreement must not become a stream of reschedules in the channel."""

from datetime import timedelta
from pathlib import Path

from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from bot.backoff import Backoff
from bot.notify.dispatcher import Dispatcher
from state.model import Event, EventKind
from tests.fakes.chat import RecordingChat
from tests.test_watcher_functional import kinds, open_rig

TOKYO = 49  # GMT+09:00: its local times are nine hours off UTC


async def test_a_start_the_sources_disagree_on_is_announced_once_per_real_change(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    sim_site.lists_in_own_zone = True
    now = sim_clock.now()
    key = sim_site.schedule(
        host="alice", title="Tokyo sync", start=now + timedelta(minutes=5), time_zone_id=TOKYO
    )
    sim_site.start(key)  # live: the watcher asks GetSessionInfo every poll
    chat = RecordingChat()
    async with open_rig(
        sim_clock, sim_site, sim_url, tmp_path / "m.db", SessionInfoBudget(hourly=500)
    ) as rig:
        dispatcher = Dispatcher(
            store=rig.store,
            chat=chat,
            clock=sim_clock.now,
            backoff=Backoff(base=10, cap=60, jitter=0),
            draw=lambda: 0.0,
        )
        seen: list[Event] = []
        for _ in range(12):
            seen += await rig.cycle()
            await dispatcher.run_once()
            rig.advance(20)
        assert EventKind.STARTED in kinds(seen, key)
        assert EventKind.RESCHEDULED not in kinds(seen, key)
        # Every poll asked both sources: the disagreement was really there.
        asked = [r.operation_names for r in sim_site.requests]
        assert sum(any("GetSessionInfo" in op for op in ops) for ops in asked) >= 10

        sim_site.reschedule(key, duration_minutes=90)  # one real change
        for _ in range(6):
            seen += await rig.cycle()
            await dispatcher.run_once()
            rig.advance(20)
    assert kinds(seen, key).count(EventKind.RESCHEDULED) == 1
    replies = [p.text for p in chat.posted if p.kind == "reply"]
    assert sum(text.startswith("Rescheduled") for text in replies) == 1
