"""The REST backend end to end: webhooks against polling, quiet calls, a 10,000-meeting sweep.

Processes on loopback, started with :mod:`bench.e2e_rig`: the service as
deployed (``python -m bot run`` with ``WEBEX_API=rest``), the REST simulator
(``python -m adapters.webex.simulator --api rest --port 0 --token T``) and
the fake Slack (``python -m bench.e2e_slack``). Each run has two such trios
side by side: one service with ``PUBLIC_URL`` on its own port (the
simulator's webhooks reach ``/webex/webhooks``) and one without (sweeps
only). Both run ``POLL_INTERVAL_SECONDS=5`` and ``DISCOVERY_INTERVAL_SECONDS=60``.

Scenario: 40 meetings of three hosts scheduled before the start; the channel
subscribes with a signed ``/webex subscribe all``; 60 s with nothing
changing (the REST calls the simulator logs, sorted by the job making them);
then 60 s of two changes a second through the control surface (attendees in
the lobby, which starts the meeting; 6.5 s later the host joins; 6.5 s after
that it ends: 108 changes), then 15 s for the last news. Measured: the
latency from each change to the first Slack call carrying its news (the
card's marker), p50 and p95 per event kind; missed changes; repeated
notifications (the same reply twice in a card's thread). Then the sweep at
10,000 meetings: a simulator holding 10,000 meetings of the token's own
account over the next seven days and a webhook-fed service with
``DISCOVERY_INTERVAL_SECONDS=300`` (the job's timeout): the first schedule
sweep's wall time (``/metrics``), its REST calls and how many schedule
sweeps started meanwhile (the request log), the service's CPU from launch
until that sweep was done.

Medians of ``BENCH_REST_RUNS`` runs (default 2), on a shared 2-core machine::

    figure                              webhooks   polling only (5 s)   goal
    p50 started / host joined / ended   0.02 / 0.01 / 0.02 s   2.70 / 2.72 / 2.87 s
    p95 started / host joined / ended   0.05 / 0.03 / 0.05 s   5.04 / 4.89 / 4.98 s   < 1 s
    missed, repeated                    0/108, 0   0/108, 0             0, 0
    quiet REST calls/min                24 sweep_live + 2 sweep_schedule, 0 other   0 other
    schedule sweep at 10,000 meetings   37.5 s wall, 100 calls (pages of 100)
    schedule sweeps started at launch   2 when measured (now 1: a request made while one runs shares it)
    service CPU, launch to sweep done   3.8 s in 38.7 s

The sweep's wall time is mostly the simulator's (it lists 10,000 series per
page); the service spends 3.8 s of CPU on it. A run that sweeps the schedule
may take ``max(interval, 10 min)``, so a short discovery interval does not
cancel it; the next run waits for it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from bench.e2e_rig import (
    SIGNING_SECRET,
    Site,
    Slack,
    cpu_seconds,
    first_line,
    free_port,
    healthy,
    slash_command,
    spawn,
    stop,
)
from bench.e2e_scenario import Change
from bench.rest_figures import (
    MARKERS,
    STEPS,
    call_kinds,
    first_seen,
    job_totals,
    pct,
    repeated,
    sweep_of,
)
from bench.rest_figures import script as play_script
from state.clock import utc_now

RUNS = int(os.environ.get("BENCH_REST_RUNS", "2"))
TOKEN = "bench-rest-admin-token"
ADMIN = "admin@acme.example"
HOSTS = ("alice@acme.example", "bob@acme.example", "carol@acme.example")
POLL, DISCOVERY = 5, 30
TARGETS, CHANGE_SECONDS, PER_SECOND = 40, 60, 2
QUIET, TAIL = 60.0, 15.0
SWEEP_MEETINGS, SWEEP_DISCOVERY = 10_000, 300
SWEEP_JOBS = ("sweep_schedule", "sweep_live", "webhooks")


@dataclass(slots=True)
class ModeRun:
    webhooks: bool
    changes: list[Change] = field(default_factory=list)
    quiet_per_min: dict[str, float] = field(default_factory=dict)
    repeated: int = 0

    def latencies(self, kind: str) -> list[float]:
        return [c.seen - c.at for c in self.changes if c.kind == kind and c.seen is not None]

    @property
    def missed(self) -> int:
        return sum(c.seen is None for c in self.changes)


@dataclass(slots=True)
class SweepRun:
    #: The first schedule sweep's wall time, and REST calls per sweep started.
    seconds: float = float("nan")
    calls: float = float("nan")
    #: Schedule sweeps started meanwhile (the start's catch-up runs one too).
    started: int = 0
    #: The service's CPU seconds from its launch until that sweep was done.
    cpu: float = float("nan")
    elapsed: float = float("nan")


def _env(site: Site, slack: Slack, db: Path, port: int, webhooks: bool,
         discovery: int) -> dict[str, str]:  # fmt: skip
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEBEX_API": "rest",
        "WEBEX_REST_URL": site.url,
        "WEBEX_ACCESS_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "POLL_INTERVAL_SECONDS": str(POLL),
        "DISCOVERY_INTERVAL_SECONDS": str(discovery),
        # Waiting for the host is not measured: announce it only after an hour.
        "WAITING_GRACE_SECONDS": "3600",
    }
    if webhooks:
        env |= {"PUBLIC_URL": f"http://127.0.0.1:{port}", "WEBEX_WEBHOOK_SECRET": "bench-hook"}
    return env


class Trio:
    """A REST simulator, a fake Slack and the service between them."""

    def __init__(self, http: ClientSession, work: Path, label: str) -> None:
        self.http, self.db, self.port = http, work / f"{label}.db", free_port()
        self.procs: list[asyncio.subprocess.Process] = []

    async def sites(self) -> tuple[Site, Slack]:
        sim = await spawn("-m", "adapters.webex.simulator", "--api", "rest", "--port", "0",
                          "--token", TOKEN, "--admin-email", ADMIN)  # fmt: skip
        fake = await spawn("-m", "bench.e2e_slack")
        self.procs += [sim, fake]
        self.site = Site(sim, await first_line(sim), self.http)
        self.slack = Slack(fake, await first_line(fake), self.http)
        return self.site, self.slack

    async def service(self, webhooks: bool, discovery: int) -> asyncio.subprocess.Process:
        env = _env(self.site, self.slack, self.db, self.port, webhooks, discovery)
        bot = await spawn("-m", "bot", "run", env=env)
        self.procs.insert(0, bot)
        await healthy(self.http, self.port)
        await slash_command(self.http, self.port, "subscribe all", int(time.time()))
        return bot

    async def metrics(self) -> dict[str, tuple[float, float]]:
        async with self.http.get(f"http://127.0.0.1:{self.port}/metrics") as r:
            return job_totals(await r.text(), SWEEP_JOBS)

    async def close(self) -> None:
        for proc in self.procs:
            await stop(proc, grace=10)


async def _schedule(site: Site, host: str, title: str, start_in: timedelta) -> str:
    start = (utc_now() + start_in).replace(microsecond=0)
    made = await site.act("schedule", host=host, title=title, start=start.isoformat())
    return str(made["id"])


async def _play(site: Site, ids: list[str], titles: list[str]) -> list[Change]:
    changes: list[Change] = []
    loop = asyncio.get_running_loop()
    began = loop.time()
    for tick, meeting, step in play_script(len(ids), CHANGE_SECONDS * PER_SECOND):
        await asyncio.sleep(max(0.0, began + tick / PER_SECOND - loop.time()))
        action, kind = STEPS[step]
        args: dict[str, Any] = {"id": ids[meeting]}
        if action == "lobby_join":
            args["email"] = f"guest{meeting}@example.org"
        at = time.time()
        await site.act(action, **args)
        changes.append(Change(titles[meeting], kind, at))
    return changes


async def _mode(http: ClientSession, work: Path, webhooks: bool, label: str) -> ModeRun:
    run, trio = ModeRun(webhooks), Trio(http, work, label)
    try:
        site, slack = await trio.sites()
        titles = [f"Rest{label}x{i:02d}" for i in range(TARGETS)]
        ids = [
            await _schedule(site, HOSTS[i % len(HOSTS)], t, timedelta(minutes=5 + i % 20))
            for i, t in enumerate(titles)
        ]
        await trio.service(webhooks, DISCOVERY)
        await asyncio.sleep(2 * POLL)  # the start's catch-up sweeps and registration
        before = len(await site.rest_calls())
        t0 = time.time()
        await asyncio.sleep(QUIET)
        quiet = (await site.rest_calls())[before:]
        minutes = (time.time() - t0) / 60
        run.quiet_per_min = {k: n / minutes for k, n in call_kinds(quiet).items()}
        since = len(await slack.calls())
        run.changes = await _play(site, ids, titles)
        await asyncio.sleep(TAIL)
        calls = await slack.calls(since)
    finally:
        await trio.close()
    for change in run.changes:
        change.seen = first_seen(change.title, change.kind, change.at, calls)
    run.repeated = repeated(calls)
    for change in run.changes:
        if change.seen is None:
            said = [(round(t - change.at, 2), m, b[:300]) for t, m, b in calls if change.title in b]
            print(f"   {label} missed {change.kind} of {change.title}; Slack had: {said}")
    return run


async def _seed(site: Site, count: int) -> None:
    """``count`` meetings of the token's own account over the next seven days."""
    step = (timedelta(days=7) - timedelta(hours=1)) / count
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await _schedule(site, ADMIN, f"Sweep{i:05d}", timedelta(minutes=10) + i * step)

    await asyncio.gather(*(worker() for _ in range(16)))


async def _sweep(http: ClientSession, work: Path, label: str) -> SweepRun:
    """The first schedule sweep of a service started on SWEEP_MEETINGS meetings
    (the interval, and so the job's timeout, is SWEEP_DISCOVERY)."""
    run, trio = SweepRun(), Trio(http, work, label)
    try:
        site, _slack = await trio.sites()
        await _seed(site, SWEEP_MEETINGS)
        before, t0 = len(await site.rest_calls()), time.time()
        bot = await trio.service(True, SWEEP_DISCOVERY)
        for _ in range(2 * SWEEP_DISCOVERY):
            done = (await trio.metrics())["sweep_schedule"]
            if done[0] >= 1:
                break
            await asyncio.sleep(0.5)
        cpu, t1, calls = cpu_seconds(bot.pid), time.time(), await site.rest_calls()
    finally:
        await trio.close()
    mine = [c for c in calls[before:] if sweep_of(c) == "sweep_schedule"]
    starts = sum("cursor=" not in c["query"] and "hostEmail=" not in c["query"] for c in mine)
    if done[0]:
        run.seconds = done[1] / done[0]
    run.calls = len(mine) / max(starts, 1)
    run.started = starts
    run.cpu, run.elapsed = cpu, t1 - t0
    return run


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _rows(modes: list[ModeRun], sweeps: list[SweepRun]) -> list[tuple[str, str, str, str]]:
    rows = [("figure", "webhooks", f"polling only ({POLL} s)", "goal")]
    hooked = [m for m in modes if m.webhooks]
    polled = [m for m in modes if not m.webhooks]

    def each(f: Any) -> tuple[str, str]:
        return f(hooked), f(polled)

    for q, name in ((0.5, "p50"), (0.95, "p95")):
        for kind in MARKERS:
            a, b = each(
                lambda ms, k=kind, q=q: f"{_med([pct(m.latencies(k), q) for m in ms]):.2f} s"
            )
            goal = "< 1 s (webhooks)" if q == 0.95 else ""
            rows.append((f"{name} latency, {kind}", a, b, goal))
    total = len(hooked[0].changes) if hooked else 0
    rows.append(("missed", *each(lambda ms: f"{max(m.missed for m in ms)}/{total}"), "0"))
    rows.append(("repeated", *each(lambda ms: str(max(m.repeated for m in ms))), "0"))
    for kind in ("sweep_live", "sweep_schedule", "webhooks", "other"):
        a, b = each(lambda ms, k=kind: f"{_med([m.quiet_per_min.get(k, 0.0) for m in ms]):.1f}")
        goal = "0 (only the sweeps)" if kind == "other" else ""
        rows.append((f"quiet REST calls/min, {kind}", a, b, goal))
    n = f"{SWEEP_MEETINGS:,}"
    rows.append((f"schedule sweep at {n}: wall time",
                 f"{_med([s.seconds for s in sweeps]):.2f} s", "", ""))  # fmt: skip
    rows.append((f"schedule sweep at {n}: REST calls",
                 f"{_med([s.calls for s in sweeps]):.0f}", "", ""))  # fmt: skip
    rows.append(("schedule sweeps started meanwhile",
                 f"{_med([float(s.started) for s in sweeps]):.0f}", "", ""))  # fmt: skip
    cpu = _med([s.cpu for s in sweeps]), _med([s.elapsed for s in sweeps])
    rows.append(("service CPU, launch to sweep done",
                 f"{cpu[0]:.1f} s in {cpu[1]:.1f} s", "", ""))  # fmt: skip
    return rows


async def _main() -> None:
    print(f"   {RUNS} run(s); poll {POLL} s, discovery {DISCOVERY} s; {TARGETS} meetings,"
          f" {PER_SECOND} changes/s for {CHANGE_SECONDS} s; medians over runs;"
          " the machine's cores are shared", flush=True)  # fmt: skip
    modes: list[ModeRun] = []
    sweeps: list[SweepRun] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with ClientSession(timeout=ClientTimeout(total=120)) as http:
            for r in range(RUNS):
                print(f"   run {r}: webhooks and polling side by side ...", flush=True)
                modes += await asyncio.gather(
                    _mode(http, work, True, f"h{r}"), _mode(http, work, False, f"p{r}")
                )
                print(f"   run {r}: the sweep at {SWEEP_MEETINGS:,} meetings ...", flush=True)
                sweeps.append(await _sweep(http, work, f"s{r}"))
    rows = _rows(modes, sweeps)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("   " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
