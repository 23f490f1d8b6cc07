"""The watcher and dispatcher in a process of their own, for the crash test.

``python -m tests.crash_worker --url URL --db DATABASE_URL --chat PATH`` polls the
(simulated) site at URL with short intervals, keeps its store at PATH and
posts to the file-backed recording chat at PATH, which takes 0.1 s per call
so that kills often land between a post and its acknowledgement. SIGTERM stops it cleanly;
the crash test kills it with SIGKILL instead, at random moments.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.webex.xmlapi import XmlApiClient
from bot.backoff import Backoff
from bot.watch.service import WatchService
from bot.watch.watcher import WatchSettings
from state.model import Rules
from state.store import open_store
from tests.fakes.chat import FileChat
from tests.fakes.sim import ADMIN

#: Lifecycle timings shrunk to fit a test that lasts seconds.
RULES = Rules(
    starting_soon_lead=timedelta(seconds=4),
    waiting_grace=timedelta(seconds=1),
    host_left_grace=timedelta(seconds=1),
)
SETTINGS = WatchSettings(
    discovery_interval=0.5,
    poll_interval=0.3,
    tick_interval=0.2,
    backoff=Backoff(base=0.2, cap=1.0),
)


#: Logged once the service runs: a kill before it would only test start-up.
READY = "crash worker: watching"


def _now() -> datetime:
    return datetime.now(UTC)


async def main(url: str, db: str, chat_path: Path) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    client = XmlApiClient(url, ADMIN, read_timeout=5)
    try:
        async with await open_store(db) as store:
            await store.subscribe("C1", "all", None)
            service = WatchService(
                source=client,
                store=store,
                chat=FileChat(chat_path, latency=0.1),
                rules=RULES,
                clock=_now,
                settings=SETTINGS,
                sessioninfo_hourly_budget=100_000,
                dispatch_interval=0.1,
            )
            async with service:
                logging.getLogger("tests.crash_worker").info(READY)
                await stop.wait()
    finally:
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True, help="a DATABASE_URL")
    parser.add_argument("--chat", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    asyncio.run(main(args.url, args.db, args.chat))
