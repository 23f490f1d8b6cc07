"""The scenario bench_e2e plays, for the service and for the naive poller alike.

Meetings due soon are scheduled on the simulated site (:func:`due`), then
changed twice a second for a minute (:func:`play`: starts, host joins, ends);
each change is matched with the first Slack call after it that names the
meeting and says that news (:data:`MARKERS`, :func:`match`). A :class:`Run`
holds one process's figures.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

from bench.e2e_rig import Site, cpu_seconds
from state.clock import utc_now

HOSTS = 500  # the hosts the bulk site spreads its sessions over

CHANGE_SECONDS, PER_SECOND = 60, 2
TARGETS = 40  # meetings due soon; each starts, has its host join, ends
TAIL = 20.0
#: What the meeting's card says once Slack has each kind of news.
MARKERS = {
    "started": ("In progress", "Attendees waiting"),
    "host_joined": ("host present",),
    "ended": ("Ended",),
}


@dataclass(slots=True)
class Change:
    """One change made on the site, and when Slack first said so (wall clock)."""

    title: str
    kind: str
    at: float
    seen: float | None = None


@dataclass(slots=True)
class Run:
    """One run of the service (or, with ``discovery`` 0, of the naive poller)."""

    sessions: int
    discovery: int
    changes: list[Change] = field(default_factory=list)
    quiet_cpu_per_min: float = 0.0
    busy_cpu_per_min: float = 0.0
    peak_rss: float = 0.0
    requests_per_min: float = 0.0
    listings_per_min: float = 0.0
    first_seen: float | None = None
    stale: int = 0
    #: From the service's /metrics: mean duration and lag of each job's runs.
    jobs: dict[str, tuple[float, float]] = field(default_factory=dict)
    hit_ratio: float = float("nan")
    #: Seconds from start to the site's first GetSessionInfo block, if one came.
    blocked_after: float | None = None

    def latencies(self, kind: str | None = None) -> list[float]:
        return sorted(
            c.seen - c.at
            for c in self.changes
            if c.seen is not None and (kind is None or c.kind == kind)
        )

    @property
    def missed(self) -> int:
        return sum(c.seen is None for c in self.changes)


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of sorted ``values`` (nearest rank); NaN for none."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def due(site: Site, label: str, count: int) -> list[str]:
    """Schedule ``count`` meetings due within the live horizon; their titles."""
    now = utc_now().replace(microsecond=0)
    titles = [f"Due{label}x{i:03d}" for i in range(count)]
    for i, title in enumerate(titles):
        start = now + timedelta(minutes=6, seconds=15 * i % 480)
        await site.act("schedule", host=f"host{i % HOSTS}", title=title, start=start.isoformat())
    return titles


async def keys_of(site: Site, titles: list[str]) -> dict[str, str]:
    async with site.http.get(f"{site.base}/control/meetings") as r:
        meetings = (await r.json())["meetings"]
    wanted = set(titles)
    return {m["title"]: m["key"] for m in meetings if m.get("title") in wanted}


async def quiet_then_play(
    run: Run, pid: int, site: Site, quiet: float, keys: dict[str, str], titles: list[str]
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """``quiet`` seconds with nothing changing, then :func:`play`: fills ``run``'s
    CPU seconds per minute of each and its requests per minute while playing;
    returns the site's request counts before and after playing and its seconds."""
    cpu0, t0 = cpu_seconds(pid), time.time()
    await asyncio.sleep(quiet)
    cpu1, req1, t1 = cpu_seconds(pid), await site.requests(), time.time()
    run.quiet_cpu_per_min = (cpu1 - cpu0) * 60 / (t1 - t0)
    run.changes = await play(site, keys, titles)
    cpu2, req2, t2 = cpu_seconds(pid), await site.requests(), time.time()
    run.busy_cpu_per_min = (cpu2 - cpu1) * 60 / (t2 - t1)
    run.requests_per_min = (req2["http"] - req1["http"]) * 60 / (t2 - t1)
    return req1, req2, t2 - t1


async def play(site: Site, keys: dict[str, str], titles: list[str]) -> list[Change]:
    """Two changes a second for CHANGE_SECONDS: starts, host joins (six seconds
    after the start), ends (six seconds after the host joined)."""
    changes: list[Change] = []
    loop = asyncio.get_running_loop()
    began = loop.time()
    for j in range(CHANGE_SECONDS * PER_SECOND):
        await asyncio.sleep(max(0.0, began + j / PER_SECOND - loop.time()))
        step, phase = divmod(j, 3)
        target = step - 4 * phase
        if not 0 <= target < len(titles):
            continue
        title = titles[target]
        action, kind = [
            ("attendee_joins", "started"),
            ("host_joins", "host_joined"),
            ("end", "ended"),
        ][phase]
        args = {"key": keys[title], **({"count": 1} if action == "attendee_joins" else {})}
        await site.act(action, **args)
        changes.append(Change(title, kind, time.time()))
    return changes


def match(changes: list[Change], calls: list[tuple[float, str, str]]) -> None:
    texts = [(t, unquote_plus(body)) for t, _method, body in calls]
    for change in changes:
        markers = MARKERS[change.kind]
        change.seen = next(
            (
                t
                for t, text in texts
                if t >= change.at and change.title in text and any(m in text for m in markers)
            ),
            None,
        )
