"""End to end, from outside, as an operator would see it.

Three processes on loopback: the service as deployed (``python -m bot run``,
configured by its environment only), a simulated site holding N sessions
(``python -m adapters.webex.simulator --sessions N --hosts 500 --live-share
0.05 --body-content-limit 50 --listing-latency 0.3``: every listing page
takes 300 ms) and a fake Slack Web API (``python -m bench.e2e_slack``). The
channel subscribes with a signed ``/webex subscribe all events
started,host_joined,ended``, the bench then changes the site twice a second
for 60 s (meetings start with attendees waiting, hosts join, meetings end)
and measures, per event kind, the latency from the change to the first Slack
call naming the meeting with that news (its card saying so); also the service's CPU seconds per
minute (while the site is quiet and while it changes), its peak RSS, the
site's XML requests per minute and the first start (how long until a meeting
started at launch reaches Slack; whether anything already over was
announced).

Beside each figure, in the "naive" column, the same figure of the naive
poller (:mod:`bench.naive_poller`, run by :mod:`bench.e2e_naive`): one
listing at start, then GetSessionInfo for every session every poll interval.
It runs once per size, after the service's runs on the same site, through the
same scenario with meetings of its own. GetSessionInfo limits: the simulator's
bulk site (``--sessions``) lifts its per-account limit (10**9 items an hour),
so the service's account is unlimited (the service holds itself to
``WEBEX_SESSIONINFO_HOURLY_BUDGET=500``, and each run is a fresh start); the
poller's account (``--limited-admin``) is held to the limit a real site sets
and the simulator's own default, 500 items per rolling hour, after which the
site answers HTTP 403 for two hours. The table says whether, and how many
seconds after its start, the site blocked it.

``POLL_INTERVAL_SECONDS=2``; ``DISCOVERY_INTERVAL_SECONDS`` 10 and 60.
``make bench`` runs 10,000 sessions once per interval and the naive poller once
(a few minutes).
``BENCH_E2E_FULL=1`` runs 10,000 and 100,000 sessions, three times each, and
reports medians; ``BENCH_E2E_FOREIGN=1`` has the site write its listings the
foreign way (rows and fields in other orders, other prefixes, UTF-8).
``BENCH_E2E_SIZES``, ``BENCH_E2E_RUNS`` and ``BENCH_E2E_DISCOVERY`` (comma
lists) pick other sizes, run counts and intervals; ``BENCH_E2E_PAGE_LATENCY``
the seconds each listing page takes (0 for the simulator's own speed);
``BENCH_E2E_LOGS`` a directory that keeps each run's service log.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote_plus

from aiohttp import ClientSession, ClientTimeout

from bench.e2e_naive import ACCOUNT, naive_run
from bench.e2e_rig import (
    SIGNING_SECRET,
    Site,
    Slack,
    first_line,
    free_port,
    healthy,
    peak_rss_mb,
    slash_command,
    spawn,
    stop,
)
from bench.e2e_scenario import (
    HOSTS,
    MARKERS,
    TAIL,
    TARGETS,
    Change,
    Run,
    due,
    keys_of,
    match,
    pct,
    quiet_then_play,
)
from state.clock import utc_now


def _ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = os.environ.get(name, "")
    return tuple(int(v) for v in value.split(",") if v.strip()) or default


FULL = os.environ.get("BENCH_E2E_FULL") == "1"
FOREIGN = os.environ.get("BENCH_E2E_FOREIGN") == "1"
SIZES = _ints("BENCH_E2E_SIZES", (10_000, 100_000) if FULL else (10_000,))
RUNS = _ints("BENCH_E2E_RUNS", (3 if FULL else 1,))[0]
DISCOVERY = _ints("BENCH_E2E_DISCOVERY", (10, 60))
POLL = 2.0
LIVE_SHARE, CAP = 0.05, 50
PAGE_LATENCY = float(os.environ.get("BENCH_E2E_PAGE_LATENCY", "0.3"))
LOGS = os.environ.get("BENCH_E2E_LOGS")  # a directory for the service's logs


def _env(site: Site, slack: Slack, db: Path, port: int, discovery: int) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEBEX_XML_URL": site.url,
        "WEBEX_SITE_NAME": "acme",
        "WEBEX_ID": "admin",
        "WEBEX_PASSWORD": "admin-pass",
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "POLL_INTERVAL_SECONDS": f"{POLL:g}",
        "DISCOVERY_INTERVAL_SECONDS": str(discovery),
        # Waiting for the host is not measured: announce it only after an hour.
        "WAITING_GRACE_SECONDS": "3600",
        "WEBEX_SESSIONINFO_HOURLY_BUDGET": "500",
    }


def _seen(title: str, calls: list[tuple[float, str, str]]) -> bool:
    return any(title in unquote_plus(body) for _t, _m, body in calls)


def _job_means(text: str) -> tuple[dict[str, tuple[float, float]], float]:
    """Mean duration and lag per job, and the row memo's hit ratio, from /metrics."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(("meetbot_job_", "meetbot_rowmemo_hit_ratio", "meetbot_notif")):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    jobs = {}
    for job in ("discover", "poll_live", "remind"):
        means = []
        for kind in ("duration", "lag"):
            count = values.get(f'meetbot_job_{kind}_seconds_count{{job="{job}"}}', 0.0)
            total = values.get(f'meetbot_job_{kind}_seconds_sum{{job="{job}"}}', 0.0)
            means.append(total / count if count else float("nan"))
        jobs[job] = (means[0], means[1])
    count = values.get("meetbot_notification_delay_seconds_count", 0.0)
    total = values.get("meetbot_notification_delay_seconds_sum", 0.0)
    jobs["delivery"] = (total / count if count else float("nan"), 0.0)
    return jobs, values.get("meetbot_rowmemo_hit_ratio", float("nan"))


def _stale(db: Path, launched: datetime) -> int:
    """Stale news of a first start: SCHEDULED for meetings already over when
    the service started, STARTED for meetings scheduled to start before then
    (on this site only the bench starts meetings, and only ones due later)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        rows = conn.execute(
            "SELECT e.kind, m.start, m.duration_minutes FROM events e JOIN meetings m"
            " ON m.key = e.meeting_key WHERE e.kind IN ('scheduled', 'started')"
        ).fetchall()
    return sum(
        datetime.fromisoformat(start) + timedelta(minutes=minutes if kind == "scheduled" else 0)
        < launched
        for kind, start, minutes in rows
    )


async def _one(site: Site, slack: Slack, http: ClientSession, n: int, discovery: int, label: str,
               work: Path) -> Run:  # fmt: skip
    run = Run(sessions=n, discovery=discovery)
    titles = await due(site, label, TARGETS)
    probe = (await due(site, f"{label}p", 1))[0]
    keys = await keys_of(site, [*titles, probe])
    db, port = work / f"run{label}.db", free_port()
    since = len(await slack.calls())
    launched = utc_now()
    log = f"{LOGS}/service-{label}.log" if LOGS else None
    bot = await spawn("-m", "bot", "run", env=_env(site, slack, db, port, discovery), log=log)
    try:
        await healthy(http, port)
        await slash_command(http, port, "subscribe all events started,host_joined,ended",
                            int(time.time()))  # fmt: skip
        # First start: a meeting that starts as the service does.
        await site.act("attendee_joins", key=keys[probe], count=1)
        probe_change = Change(probe, "started", time.time())
        # Watching once the probe's start is in Slack; then a near discovery.
        for _ in range(1200):
            if _seen(probe, await slack.calls(since)):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(discovery + 5.0)
        pid = bot.pid
        quiet = max(30.0, float(discovery))
        req1, req2, played = await quiet_then_play(run, pid, site, quiet, keys, titles)
        listings = req2["items"].get("lstsummarysession", 0)
        run.listings_per_min = (listings - req1["items"].get("lstsummarysession", 0)) * 60 / played
        await asyncio.sleep(TAIL)
        run.peak_rss = peak_rss_mb(pid)
        async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
            run.jobs, run.hit_ratio = _job_means(await r.text())
    finally:
        await stop(bot)
    calls = await slack.calls(since)
    match([*run.changes, probe_change], calls)
    run.first_seen = None if probe_change.seen is None else probe_change.seen - launched.timestamp()
    run.stale = _stale(db, launched)
    return run


async def _size(n: int, http: ClientSession, work: Path) -> list[Run]:
    args = ["--port", "0", "--sessions", str(n), "--hosts", str(HOSTS)]
    args += ["--live-share", str(LIVE_SHARE), "--body-content-limit", str(CAP)]
    args += ["--listing-latency", str(PAGE_LATENCY), *(["--foreign"] if FOREIGN else [])]
    args += ["--limited-admin", ":".join(ACCOUNT)]
    sim = await spawn("-m", "adapters.webex.simulator", *args)
    fake = await spawn("-m", "bench.e2e_slack")
    try:
        site = Site(sim, await first_line(sim), http)
        slack = Slack(fake, await first_line(fake), http)
        runs = []
        for r in range(RUNS):
            for discovery in DISCOVERY:
                label = f"{n // 1000}k{discovery}r{r}"
                print(f"   run {label} ...", flush=True)
                runs.append(await _one(site, slack, http, n, discovery, label, work))
        print(f"   naive poller {n // 1000}k ...", flush=True)
        env = _env(site, slack, work / "unused.db", free_port(), DISCOVERY[0])
        runs.append(await naive_run(site, slack, n, env))
        return runs
    finally:
        await stop(sim, grace=5)
        await stop(fake, grace=5)


def _median(runs: list[Run], value: str) -> float:
    values = [float(getattr(r, value)) for r in runs if getattr(r, value) is not None]
    return statistics.median(values) if values else float("nan")


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def _common(runs: list[Run]) -> list[str]:
    """The figures the service and the naive poller share, in :data:`FIGURES` order."""
    p95 = [statistics.median(pct(r.latencies(k), 0.95) for r in runs) for k in MARKERS]
    p50 = statistics.median(pct(r.latencies(), 0.5) for r in runs)
    return [
        "none seen" if math.isnan(p50) else f"{p50:.2f} s",
        " / ".join(f"{v:.2f}" for v in p95) + " s",
        f"{max(r.missed for r in runs)}/{len(runs[0].changes)}",
        f"{_median(runs, 'quiet_cpu_per_min'):.2f}",
        f"{_median(runs, 'busy_cpu_per_min'):.2f}",
        f"{_median(runs, 'peak_rss'):.0f} MB",
        f"{_median(runs, 'requests_per_min'):.0f} ({_median(runs, 'listings_per_min'):.0f})",
    ]


FIGURES = (
    "p50 latency",
    "p95 started / host joined / ended",
    "missed",
    "CPU s/min, site quiet",
    "CPU s/min, 2 changes/s",
    "peak RSS",
    "XML requests/min (LstsummarySession bodyContents)",
)
Row = tuple[str, str, str, str, str]


def _blocked(naive: Run | None) -> str:
    if naive is None:
        return ""
    after = naive.blocked_after
    return "no" if after is None else f"after {after:.1f} s of polling"


def _rows(n: int, discovery: int, mine: list[Run], naive: Run | None) -> list[Row]:
    """The figures of one size and interval, the naive poller's beside them, and goals."""
    name = f"{n // 1000}k, discovery {discovery} s"
    goal = 1.2 * POLL + 1
    p95 = max(statistics.median(pct(r.latencies(k), 0.95) for r in mine) for k in MARKERS)
    quiet = _median(mine, "quiet_cpu_per_min")
    rss, rss_goal = _median(mine, "peak_rss"), 150 if n == 10_000 else 400
    first, stale = _median(mine, "first_seen"), max(r.stale for r in mine)
    delivery = statistics.median(r.jobs["delivery"][0] for r in mine)
    jobs = ", ".join(
        f"{statistics.median(r.jobs[j][0] for r in mine):.2f}"
        f" / {statistics.median(r.jobs[j][1] for r in mine):.2f}"
        for j in ("discover", "poll_live")
    )
    goals = [
        "",
        f"<= {goal:.1f} s: {_verdict(p95 <= goal)}",
        f"0: {_verdict(not max(r.missed for r in mine))}",
        f"<= 1: {_verdict(quiet <= 1)}" if n == 10_000 else "",
        "",
        f"<= {rss_goal} MB: {_verdict(rss <= rss_goal)}",
        "",
    ]
    naive_figures = _common([naive]) if naive is not None else [""] * len(FIGURES)
    rows = zip(FIGURES, _common(mine), naive_figures, goals, strict=True)
    return [
        *((name, figure, value, other, aim) for figure, value, other, aim in rows),
        (name, "GetSessionInfo blocked by the site", "", _blocked(naive),
         "the naive poller's account only is limited"),
        (name, "first start: a start reaches Slack", f"{first:.1f} s", "",
         f"<= 60 s: {_verdict(first <= 60)}"),
        (name, "first start: stale announcements", str(stale), "", f"0: {_verdict(not stale)}"),
        (name, "/metrics: mean duration / lag, s", jobs, "", "discover, poll_live"),
        (name, "/metrics: row memo hit ratio", f"{_median(mine, 'hit_ratio'):.3f}", "", ""),
        (name, "/metrics: detection to Slack's ack, mean", f"{delivery:.2f} s", "", ""),
    ]  # fmt: skip


def _report(runs: list[Run]) -> None:
    rows: list[Row] = [("scenario", "figure", "median", "naive", "goal")]
    for n in SIZES:
        naive = next((r for r in runs if r.sessions == n and r.discovery == 0), None)
        for discovery in DISCOVERY:
            mine = [r for r in runs if r.sessions == n and r.discovery == discovery]
            if mine:
                rows += _rows(n, discovery, mine, naive)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        print("   " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


async def _main() -> None:
    print(
        f"   sizes {', '.join(str(n) for n in SIZES)}; {RUNS} run(s) each; poll {POLL:g} s;"
        f" {HOSTS} hosts, {LIVE_SHARE:.0%} live, bodyContent cap {CAP},"
        f" {PAGE_LATENCY * 1000:.0f} ms per listing page{'; foreign listings' if FOREIGN else ''}"
        f"; medians over runs; the machine's cores are shared",
        flush=True,
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with ClientSession(timeout=ClientTimeout(total=60)) as http:
            for n in SIZES:
                runs += await _size(n, http, Path(tmp))
    _report(runs)


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
