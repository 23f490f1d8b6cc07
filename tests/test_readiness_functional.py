"""What the watcher and the dispatcher report into the health registry, against
the simulated site over loopback and a real SQLite store; and /readyz saying it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from adapters.webex.simulator import SimClock, SimulatedSite
from adapters.webex.xmlapi import XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from bot.config import load_settings
from bot.health import HealthRegistry, Status
from bot.notify.dispatcher import Dispatcher
from bot.serve.web import create_web_app
from bot.watch.watcher import Watcher, WatchSettings
from state.model import Rules
from state.store import SqliteStore, Store
from tests.fakes.chat import RecordingChat
from tests.fakes.sim import ADMIN

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SETTINGS = WatchSettings(discovery_interval=60, poll_interval=20)


def _clock() -> SimClock:
    """The registry's clock, moved by hand."""
    return SimClock(start=T0, speed=0)


def _status(health: HealthRegistry, name: str) -> tuple[Status, str]:
    component = health.component(name)
    assert component is not None, name
    return component.status, component.detail


async def _watching(
    client: XmlApiClient, store: Store, sim_clock: SimClock, health: HealthRegistry
) -> Watcher:
    """A watcher of the whole site for C1, reporting into ``health``."""
    await store.subscribe("C1", "all", None)
    return Watcher(
        source=client,
        store=store,
        rules=Rules(),
        budget=SessionInfoBudget(hourly=500),
        clock=sim_clock.now,
        settings=SETTINGS,
        health=health,
    )


async def _fill_the_disk(store: SqliteStore) -> None:
    """Cap the database at its current size: the next write that needs a page
    fails with 'database or disk is full', as on a full disk."""

    def cap(db: object) -> None:
        conn = db.conn  # type: ignore[attr-defined]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    await store._run(cap)


async def test_a_full_disk_and_a_stalled_listing_make_the_service_unready(
    sim_clock: SimClock, sim_site: SimulatedSite, sim_url: str, tmp_path: Path
) -> None:
    clock = _clock()
    health = HealthRegistry(clock.now)
    for name in ("database", "webex"):
        health.expect(name)
    async with (
        XmlApiClient(sim_url, ADMIN, clock=sim_clock.now) as client,
        await SqliteStore.open(f"sqlite:///{tmp_path / 'm.db'}") as store,
    ):
        watcher = await _watching(client, store, sim_clock, health)
        assert await watcher.discover() != []
        assert _status(health, "database")[0] is Status.OK
        assert _status(health, "webex") == (Status.OK, "listed the site")
        assert health.ready()

        await _fill_the_disk(store)
        start = sim_clock.now() + timedelta(hours=2)
        for n in range(300):
            sim_site.schedule(host="alice", title=f"Planning {n} " + "x" * 200, start=start)
        clock.advance(timedelta(seconds=60))
        assert await watcher.discover() == []
        status, detail = _status(health, "database")
        assert status is Status.FAILING
        assert "database or disk is full" in detail
        assert not health.ready()

        # No successful listing for three intervals: Webex is failing too.
        clock.advance(timedelta(seconds=3 * 60 + 1))
        assert _status(health, "webex") == (
            Status.FAILING,
            "no successful listing for three discovery intervals",
        )

        app = create_web_app(load_settings({}, env_file=None), None, lambda: True, readiness=health)
        async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as http:
            response = await http.get("/readyz")
            assert response.status == 503
            body = await response.json()
            assert body["components"]["database"]["status"] == "failing"
            assert body["components"]["webex"]["since"] == (T0 + timedelta(seconds=180)).isoformat()
            assert (await http.get("/healthz")).status == 200


async def test_refused_credentials_fail_webex_for_good(
    sim_clock: SimClock, sim_url: str, tmp_path: Path
) -> None:
    clock = _clock()
    health = HealthRegistry(clock.now)
    async with (
        XmlApiClient(sim_url, replace(ADMIN, password="wrong"), clock=sim_clock.now) as client,
        await Store.open(f"sqlite:///{tmp_path / 'm.db'}") as store,
    ):
        watcher = await _watching(client, store, sim_clock, health)
        await watcher.discover()
        assert watcher.halted
        clock.advance(timedelta(seconds=3600))
        status, detail = _status(health, "webex")
        assert status is Status.FAILING
        assert detail.startswith("credentials refused")
        assert not health.ready()


async def test_the_dispatcher_reports_progress_and_goes_stale_when_stuck(
    tmp_path: Path,
) -> None:
    clock = _clock()
    health = HealthRegistry(clock.now)
    health.expect("dispatcher")
    async with await Store.open(f"sqlite:///{tmp_path / 'm.db'}") as store:
        dispatcher = Dispatcher(
            store=store,
            chat=RecordingChat(),
            clock=lambda: T0,
            interval=3600,  # one round, then asleep
            health=health,
            stuck_after=timedelta(minutes=5),
        )
        dispatcher.start()
        try:
            for _ in range(3000):
                if _status(health, "dispatcher")[0] is Status.OK:
                    break
                await asyncio.sleep(0.01)
            assert _status(health, "dispatcher") == (Status.OK, "idle")
            clock.advance(timedelta(seconds=5 * 60 + 1))
            status, detail = _status(health, "dispatcher")
            assert status is Status.FAILING
            assert "no delivery round completed" in detail
        finally:
            await dispatcher.stop()


async def test_a_dispatcher_round_failing_on_the_store_fails_the_database(
    tmp_path: Path,
) -> None:
    clock = _clock()
    health = HealthRegistry(clock.now)
    store = await Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    await store.close()  # every call now raises StoreError
    dispatcher = Dispatcher(
        store=store, chat=RecordingChat(), clock=lambda: T0, interval=3600, health=health
    )
    dispatcher.start()
    try:
        for _ in range(3000):
            if health.component("database") is not None:
                break
            await asyncio.sleep(0.01)
        status, detail = _status(health, "database")
        assert status is Status.FAILING
        assert "closed" in detail
    finally:
        await dispatcher.stop()
