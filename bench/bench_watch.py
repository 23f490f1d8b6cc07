"""The watcher on a large site: requests, CPU, memory, writes and latency.

A simulated site with 10,000 sessions, 500 of them in progress, runs in a
SUBPROCESS (``bench.watch_site``), so process_time and peak RSS below are the
bot's side only (client, parsing, store, watcher). The store is SQLite in a
temporary directory, then the same on PostgreSQL (a server started for the
run, as the tests start theirs) beside it; the PostgreSQL server's own CPU is
shown apart.

Measured:
- XML API HTTP requests per poll interval against a naive poller that sends
  one GetSessionInfo per session per interval (counted, not run);
- CPU per discovery cycle (all pages of a site-wide LstsummarySession, then
  observe), median of several unchanged cycles;
- rows written per cycle when nothing changed (the store's total_changes);
- peak RSS of this process;
- detection latency, from a change made on the site to its event's outbox
  row being committed, p50 and p95, with POLL_INTERVAL_SECONDS=2 and the real
  scheduler running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.feed.budget import SessionInfoBudget
from adapters.webex.xmlapi.feed.observe import from_summary
from bot.watch.schedule import Scheduler
from bot.watch.watcher import Watcher, WatchSettings
from state.clock import utc_now
from state.model import Event, ListingScope, Rules
from state.store import Store, open_store
from tests.postgres import PostgresServer, find_binaries, start_server

SESSIONS = 10_000
LIVE = 500
CYCLES = 5
CHANGES = 20
LATENCY_INTERVAL = 2.0
DEFAULT_POLL, DEFAULT_DISCOVERY = 20.0, 60.0
#: Graces longer than a run, so that no time-driven event (attendees waiting
#: for 60 s, say) falls due inside the "unchanged" cycles of a slower store.
RULES = Rules(waiting_grace=timedelta(hours=1), host_left_grace=timedelta(hours=1))


class Site:
    """The subprocess and its control surface."""

    def __init__(self, proc: asyncio.subprocess.Process, url: str, http: ClientSession) -> None:
        self.proc, self.url, self.http = proc, url, http
        self.base = url.split("/WBXService", 1)[0]

    async def http_requests(self) -> int:
        async with self.http.get(f"{self.base}/control/requests") as r:
            body: dict[str, Any] = await r.json()
        return int(body["http"])

    async def meetings(self) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.base}/control/meetings") as r:
            body: dict[str, Any] = await r.json()
        return list(body["meetings"])

    async def act(self, action: str, key: str) -> None:
        async with self.http.post(f"{self.base}/control/{action}", json={"key": key}) as r:
            if r.status != 200:
                raise RuntimeError(f"{action} {key}: {await r.text()}")


def _watcher(client: XmlApiClient, store: Store, budget: int, **settings: Any) -> Watcher:
    return Watcher(
        source=client,
        store=store,
        rules=RULES,
        budget=SessionInfoBudget(hourly=budget),
        clock=utc_now,
        settings=WatchSettings(**settings),
    )


async def _steady_state(site: Site, client: XmlApiClient, store: Store) -> dict[str, float]:
    # First sight, then GetSessionInfo once for every live session (a generous
    # bucket) so later cycles find nothing new to learn.
    began = time.process_time()
    await _watcher(client, store, 500).discover()
    first_cpu = time.process_time() - began
    primer = _watcher(client, store, 100_000)
    await primer.poll_live()
    watcher = _watcher(client, store, 500)
    cpu, rows, http, listing_cpu, observe_cpu = [], [], [], [], []
    for _ in range(CYCLES):
        now = utc_now()
        scope = ListingScope(start_from=now - timedelta(hours=24), start_to=now + timedelta(days=7))
        began = time.process_time()
        listing = await client.list_sessions(start_from=scope.start_from, start_to=scope.start_to)
        listing_cpu.append(time.process_time() - began)
        observations = [from_summary(row) for row in listing.sessions]
        began = time.process_time()
        await store.observe(observations, now=now, rules=RULES, listing=scope)
        observe_cpu.append(time.process_time() - began)
        before_rows, before_http = await store.total_changes(), await site.http_requests()
        began = time.process_time()
        await watcher.discover()
        cpu.append(time.process_time() - began)
        http.append(await site.http_requests() - before_http)
        await watcher.remind()
        rows.append(await store.total_changes() - before_rows)
    live_http, live_rows = [], []
    for _ in range(CYCLES):
        before_rows, before_http = await store.total_changes(), await site.http_requests()
        await watcher.poll_live()
        live_http.append(await site.http_requests() - before_http)
        live_rows.append(await store.total_changes() - before_rows)
    discovery_http = statistics.median(http)
    poll_http = statistics.median(live_http)
    return {
        "first_cpu": first_cpu,
        "cpu": statistics.median(cpu),
        "listing_cpu": statistics.median(listing_cpu),
        "observe_cpu": statistics.median(observe_cpu),
        "rows": max(rows),
        "live_rows": max(live_rows),
        "discovery_http": discovery_http,
        "poll_http": poll_http,
        "per_interval": poll_http + discovery_http * DEFAULT_POLL / DEFAULT_DISCOVERY,
    }


async def _latency(site: Site, client: XmlApiClient, store: Store) -> dict[str, Any]:
    detected: dict[str, float] = {}
    expected: set[str] = set()
    all_seen = asyncio.Event()

    def on_events(events: Any) -> None:
        stamp = time.monotonic()
        for e in events:
            assert isinstance(e, Event)
            detected.setdefault(f"{e.meeting_key}:{e.kind}", stamp)
        if expected and expected <= set(detected):
            all_seen.set()

    watcher = Watcher(
        source=client,
        store=store,
        rules=RULES,
        budget=SessionInfoBudget(hourly=500),
        clock=utc_now,
        settings=WatchSettings(poll_interval=LATENCY_INTERVAL),
        on_events=on_events,
    )
    live = [m for m in await site.meetings() if str(m["title"]).startswith("Live ")]
    # Even-numbered live sessions have no host yet: a join is news; others end.
    joins = [m["key"] for m in live if int(m["title"].split()[1]) % 2 == 0]
    ends = [m["key"] for m in live if int(m["title"].split()[1]) % 2 == 1]
    rng = random.Random(7)
    plan = [("host_joins", k, "host_joined") for k in rng.sample(joins, CHANGES // 2)]
    plan += [("end", k, "ended") for k in rng.sample(ends, CHANGES // 2)]
    rng.shuffle(plan)
    expected.update(f"{k}:{kind}" for _, k, kind in plan)
    scheduler = Scheduler()
    watcher.install(scheduler)
    before = await site.http_requests()
    began = time.monotonic()
    scheduler.start()
    changed: dict[str, float] = {}
    try:
        await asyncio.sleep(LATENCY_INTERVAL)
        for action, key, kind in plan:
            await asyncio.sleep(rng.uniform(0.3, 1.7))
            t0 = time.monotonic()
            await site.act(action, key)
            changed[f"{key}:{kind}"] = (t0 + time.monotonic()) / 2
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_seen.wait(), 4 * LATENCY_INTERVAL)
    finally:
        await scheduler.stop()
    elapsed = time.monotonic() - began
    requests = await site.http_requests() - before
    delays = sorted(detected[k] - t for k, t in changed.items() if k in detected)
    missing = len(changed) - len(delays)
    q = statistics.quantiles(delays, n=20) if len(delays) >= 2 else [float("nan")] * 19
    return {
        "p50": statistics.median(delays) if delays else float("nan"),
        "p95": q[18],
        "missing": missing,
        "per_interval": requests / (elapsed / LATENCY_INTERVAL),
    }


def _table(rows: list[tuple[str, str, str, bool]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"   {'metric':<{width}}  {'measured':>14}  {'goal':>12}  ok")
    for name, measured, goal, ok in rows:
        print(f"   {name:<{width}}  {measured:>14}  {goal:>12}  {'yes' if ok else 'NO'}")


async def _measure(url_for_store: str) -> tuple[dict[str, float], dict[str, Any]]:
    """Steady state and latency on a fresh site, with the store at ``url_for_store``."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.watch_site",
        "--sessions",
        str(SESSIONS),
        "--live",
        str(LIVE),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode().strip()
        async with ClientSession() as http:
            site = Site(proc, url, http)
            client = XmlApiClient(
                url, Credentials(site_name="acme", webex_id="admin", password="admin-pass")
            )
            try:
                async with await open_store(url_for_store) as store:
                    await store.subscribe("C1", "all", None)
                    steady = await _steady_state(site, client, store)
                    latency = await _latency(site, client, store)
            finally:
                await client.close()
    finally:
        proc.terminate()
        await proc.wait()
    return steady, latency


async def _run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        steady, latency = await _measure(f"sqlite:///{Path(tmp) / 'bench.db'}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive = float(SESSIONS)  # one GetSessionInfo request per session per interval
    print(
        f"   site: {SESSIONS} sessions, {LIVE} in progress, simulator in a subprocess;"
        f" first discovery {steady['first_cpu'] * 1000:.0f} ms CPU"
    )
    print(
        f"   discovery CPU split (medians): client listing, 20 pages,"
        f" {steady['listing_cpu'] * 1000:.0f} ms; store.observe of 10,000 rows (its"
        f" thread counted too) {steady['observe_cpu'] * 1000:.0f} ms; the watcher the rest"
    )
    print(
        f"   per discovery: {steady['discovery_http']:.0f} requests; per live poll:"
        f" {steady['poll_http']:.0f} requests; unchanged live poll wrote"
        f" {steady['live_rows']:.0f} rows"
    )
    ratio20 = naive / steady["per_interval"]
    ratio2 = naive / latency["per_interval"] if latency["per_interval"] else float("inf")
    _table(
        [
            (
                "requests/interval, 20 s (naive 10000)",
                f"{steady['per_interval']:.1f} ({ratio20:.0f}x)",
                ">= 50x",
                ratio20 >= 50,
            ),
            (
                "requests/interval, 2 s (naive 10000)",
                f"{latency['per_interval']:.1f} ({ratio2:.0f}x)",
                ">= 50x",
                ratio2 >= 50,
            ),
            (
                "CPU per discovery cycle (median)",
                f"{steady['cpu'] * 1000:.0f} ms",
                "<= 250 ms",
                steady["cpu"] <= 0.25,
            ),
            ("peak RSS (bot process)", f"{rss_mb:.0f} MB", "<= 150 MB", rss_mb <= 150),
            (
                "rows written, unchanged cycle",
                f"{steady['rows']:.0f}",
                "0",
                steady["rows"] == 0,
            ),
            (
                "detection latency p50",
                f"{latency['p50']:.2f} s",
                "-",
                True,
            ),
            (
                "detection latency p95",
                f"{latency['p95']:.2f} s",
                f"<= {1.2 * LATENCY_INTERVAL:.1f} s",
                latency["p95"] <= 1.2 * LATENCY_INTERVAL and latency["missing"] == 0,
            ),
        ]
    )
    if latency["missing"]:
        print(f"   {latency['missing']} of {CHANGES} changes were not detected in time")
    await _beside_postgresql(steady, latency)


async def _beside_postgresql(steady: dict[str, float], latency: dict[str, Any]) -> None:
    """The same measurements on PostgreSQL (a server started here), beside SQLite's."""
    bindir = find_binaries()
    if bindir is None:
        print("   PostgreSQL: not measured; the server binaries: apt-get install postgresql")
        return
    server = start_server(bindir)
    try:
        url = server.create_database()
        before = server_cpu(server)
        pg_steady, pg_latency = await _measure(url)
        server_seconds = server_cpu(server) - before
    finally:
        server.stop()
    # process_time counts SQLite's work (its thread is ours) but not the
    # PostgreSQL server's: that is shown apart, over the whole run.
    ratio = pg_steady["cpu"] / steady["cpu"]
    print(
        f"   PostgreSQL beside SQLite (fresh site each; PostgreSQL server CPU over its"
        f" whole run, {server_seconds:.1f} s, not in the bot's figures):"
    )
    width = 36
    print(f"   {'metric':<{width}}  {'SQLite':>9}  {'PostgreSQL':>10}  {'goal':>16}  ok")
    for name, lite, pg, goal, ok in [
        (
            "CPU per discovery cycle (median)",
            f"{steady['cpu'] * 1000:.0f} ms",
            f"{pg_steady['cpu'] * 1000:.0f} ms",
            f"<= 1.5x ({ratio:.2f}x)",
            ratio <= 1.5,
        ),
        (
            "store.observe of 10,000 rows",
            f"{steady['observe_cpu'] * 1000:.0f} ms",
            f"{pg_steady['observe_cpu'] * 1000:.0f} ms",
            "-",
            True,
        ),
        (
            "rows written, unchanged cycle",
            f"{steady['rows']:.0f}",
            f"{pg_steady['rows']:.0f}",
            "0 on both",
            steady["rows"] == 0 and pg_steady["rows"] == 0,
        ),
        (
            "rows written, unchanged live poll",
            f"{steady['live_rows']:.0f}",
            f"{pg_steady['live_rows']:.0f}",
            "0 on both",
            steady["live_rows"] == 0 and pg_steady["live_rows"] == 0,
        ),
        (
            "detection latency p50",
            f"{latency['p50']:.2f} s",
            f"{pg_latency['p50']:.2f} s",
            "-",
            True,
        ),
        (
            "detection latency p95",
            f"{latency['p95']:.2f} s",
            f"{pg_latency['p95']:.2f} s",
            f"<= {1.2 * LATENCY_INTERVAL:.1f} s",
            pg_latency["p95"] <= 1.2 * LATENCY_INTERVAL and pg_latency["missing"] == 0,
        ),
    ]:
        print(f"   {name:<{width}}  {lite:>9}  {pg:>10}  {goal:>16}  {'yes' if ok else 'NO'}")


def server_cpu(server: PostgresServer) -> float:
    """CPU seconds of the server's processes so far: the postmaster, its live
    children, and the children it has reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == server.process.pid:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == server.process.pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def main() -> None:
    asyncio.run(_run())
