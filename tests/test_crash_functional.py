"""Kill the watcher + dispatcher process at random moments, many times, while a
scripted scenario plays on the simulated site: no delivery may be lost or made
twice.

The simulator runs in this process (real-time SimClock) on loopback; the bot
runs as ``python -m tests.crash_worker`` with the file-backed recording chat,
and is SIGKILLed and restarted at least MIN_KILLS times. At the end a last
worker drains the outbox, and the chat's record is compared with the store's
outbox: every delivery delivered exactly once, one card per meeting, and each
thread in event order. It runs once per store: SQLite, and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from adapters.webex.simulator import SimClock, SimulatedSite, example_site
from tests.crash_worker import READY
from tests.fakes.chat import FileChat
from tests.fakes.sim import running_site
from tests.rawsql import raw

# Each life first pays the interpreter's start-up, seconds on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

MIN_KILLS = 20
ROOT = Path(__file__).resolve().parent.parent


class Worker:
    """One bot process at a time, restarted after every kill."""

    def __init__(self, url: str, db: str, chat: Path, log: Path) -> None:
        self.args = [
            sys.executable,
            "-m",
            "tests.crash_worker",
            "--url",
            url,
            "--db",
            db,
            "--chat",
            str(chat),
        ]
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.kills = 0
        self.lives = 0

    async def start(self) -> None:
        self.lives += 1
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, cwd=ROOT, stdout=out, stderr=out, env={**os.environ}
            )

    async def ready(self) -> None:
        """Wait until the current life is watching (or has died)."""
        assert self.proc is not None
        for _ in range(600):
            if self.proc.returncode is not None:
                return
            if self.log.read_text(errors="replace").count(READY) >= self.lives:
                return
            await asyncio.sleep(0.1)

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += 1
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)


@pytest.fixture
async def live_site() -> AsyncIterator[tuple[SimulatedSite, str]]:
    site = example_site(clock=SimClock(speed=1))
    site.sessioninfo_hourly_limit = 1_000_000
    async with running_site(site) as (_server, url):
        yield site, url


async def play(site: SimulatedSite, rng: random.Random) -> list[str]:
    """The scripted scenario; returns the keys of the meetings it created."""
    now = site.clock.now()
    keys = [
        site.schedule(host=h, title=f"Crash {i}", start=now + timedelta(seconds=6 + i))
        for i, h in enumerate(["alice", "bob", "chen", "alice", "bob", "chen"])
    ]
    moved = site.schedule(host="bob", title="Moved", start=now + timedelta(hours=3))
    gone = site.schedule(host="chen", title="Gone", start=now + timedelta(hours=4))
    steps: list[tuple[str, str]] = []
    for key in keys:
        steps += [
            ("attendee_joins", key),
            ("host_joins", key),
            ("lock", key),
            ("unlock", key),
            ("leave", key),
            ("end", key),
        ]
    await asyncio.sleep(7)  # let starting_soon fire for the first meetings
    site.reschedule(moved, start=now + timedelta(hours=5))
    site.delete(gone)
    # Interleave meetings but keep each meeting's own steps in order.
    queues = {k: [s for s in steps if s[1] == k] for k in keys}
    while any(queues.values()):
        key = rng.choice([k for k, q in queues.items() if q])
        action, _ = queues[key].pop(0)
        if action == "leave":
            site.attendee_leaves(key)
            site.host_leaves(key)
        else:
            getattr(site, action)(key)
        await asyncio.sleep(rng.uniform(0.1, 0.5))
    return [*keys, moved, gone]


async def killer(worker: Worker, done: asyncio.Event, rng: random.Random) -> None:
    await worker.start()
    while not done.is_set() or worker.kills < MIN_KILLS:
        await worker.ready()
        await asyncio.sleep(rng.uniform(0.2, 1.2))
        await worker.kill()
        await worker.start()


async def rows(db: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql``; none while the first life has not made the tables yet."""
    try:
        return await raw(db, sql)
    except (sqlite3.OperationalError, asyncpg.UndefinedTableError):
        return []


async def drained(db: str, keys: list[str]) -> bool:
    marks = ",".join(f"'{k}'" for k in keys)
    settled = await rows(
        db,
        f"SELECT COUNT(*) FROM meetings WHERE key IN ({marks})"
        " AND (cancelled = 1 OR (ended_at IS NOT NULL AND in_progress = 0)"
        "      OR title = 'Moved')",
    )
    open_rows = await rows(
        db, "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')"
    )
    return bool(settled and open_rows) and settled[0][0] == len(keys) and open_rows[0][0] == 0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'bot.db'}"


async def test_kills_lose_and_duplicate_nothing(
    live_site: tuple[SimulatedSite, str], tmp_path: Path, database_url: str
) -> None:
    site, url = live_site
    db, chat_path, log = database_url, tmp_path / "chat.jsonl", tmp_path / "worker.log"
    rng = random.Random(os.environ.get("CRASH_SEED", "meetbot"))
    worker = Worker(url, db, chat_path, log)
    done = asyncio.Event()
    killing = asyncio.create_task(killer(worker, done, rng))
    try:
        keys = await play(site, rng)
        done.set()
        await killing
        # A last life, left alone, settles everything. It gets a few cycles
        # first: the previous life may have drained the outbox already.
        await worker.ready()
        await asyncio.sleep(2)
        for _ in range(300):
            await asyncio.sleep(0.2)
            if await drained(db, keys):
                break
        assert await worker.terminate() == 0, log.read_text()[-3000:]
    finally:
        killing.cancel()
        if worker.proc is not None and worker.proc.returncode is None:
            await worker.kill()

    assert worker.kills >= MIN_KILLS
    assert await drained(db, keys), log.read_text()[-3000:]
    outbox = await rows(
        db,
        "SELECT o.delivery_key, o.state, o.meeting_key, o.event_id, o.posted_ts"
        " FROM outbox o ORDER BY o.event_id",
    )
    assert {state for _, state, *_ in outbox} == {"delivered"}
    chat = FileChat(chat_path)
    posted = chat.posted
    sent = [p.delivery_key for p in posted if p.kind in ("reply", "dm")]
    duplicated = [k for k, n in Counter(sent).items() if n > 1]
    assert duplicated == []
    assert sorted(sent) == sorted(str(k) for k, *_ in outbox)  # none lost, none extra
    cards = [p.delivery_key for p in posted if p.kind == "card"]
    assert len(cards) == len(set(cards))
    # Every reply sits in its meeting's card thread, in event order.
    card_ts = {p.delivery_key.split(":")[1]: p.ts for p in posted if p.kind == "card"}
    by_key = {p.delivery_key: p for p in posted if p.kind == "reply"}
    for meeting in {str(m) for _, _, m, *_ in outbox}:
        thread = [
            by_key[str(k)] for k, _, m, *_ in outbox if str(m) == meeting and str(k) in by_key
        ]
        assert all(p.thread_ts == card_ts[meeting] for p in thread)
        positions = [posted.index(p) for p in thread]
        assert positions == sorted(positions)
    # The scenario's meetings were all seen to the end.
    kinds = Counter(str(k) for (k,) in await rows(db, "SELECT kind FROM events"))
    assert kinds["ended"] >= 6
    assert kinds["cancelled"] == 1
    assert kinds["rescheduled"] >= 1
