"""bench_e2e's naive column: one run of :mod:`bench.naive_poller` through the scenario.

The poller runs in its own process with the service's environment, except its
account: ``ACCOUNT``, which the bench's site (``--limited-admin``) holds to a
real site's GetSessionInfo limit, so the block it earns is its own. It plays
the service's scenario with meetings of its own (fresh due ones, the same
:func:`~bench.e2e_scenario.play`) and is measured the same way: latency per
kind, missed, its CPU while the site is quiet and while it changes, peak RSS,
the site's XML requests per minute, and when the site blocked it.

It runs after the service's runs on the same simulated site, never beside
them, so the service's figures are undisturbed.
"""

from __future__ import annotations

import asyncio

from bench.e2e_rig import Site, Slack, first_line, peak_rss_mb, spawn, stop
from bench.e2e_scenario import TAIL, TARGETS, Run, due, keys_of, match, quiet_then_play

#: The poller's webExID and password on the bench's site.
ACCOUNT = ("poller", "poller-pass")
QUIET = 30.0  # seconds of a quiet site measured before the changes


def blocked_after(lines: list[str]) -> float | None:
    """Seconds from start to the first block the poller reported on stdout
    (``blocked <seconds> <until>``), or None when it reported none."""
    for line in lines:
        word, _, rest = line.partition(" ")
        if word == "blocked":
            return float(rest.split()[0])
    return None


async def _lines(proc: asyncio.subprocess.Process, into: list[str]) -> None:
    assert proc.stdout is not None
    async for line in proc.stdout:
        into.append(line.decode().strip())


async def naive_run(site: Site, slack: Slack, n: int, env: dict[str, str]) -> Run:
    """One run of the naive poller on ``site`` (``n`` sessions) with the
    service's ``env`` but its own :data:`ACCOUNT`."""
    run = Run(sessions=n, discovery=0)
    titles = await due(site, f"{n // 1000}knaive", TARGETS)
    keys = await keys_of(site, titles)
    since = len(await slack.calls())
    webex_id, password = ACCOUNT
    poller = await spawn(
        "-m", "bench.naive_poller", env={**env, "WEBEX_ID": webex_id, "WEBEX_PASSWORD": password}
    )
    lines: list[str] = []
    try:
        lines.append(await first_line(poller))  # "watching <n>": the listing is read
        reader = asyncio.create_task(_lines(poller, lines))
        await asyncio.sleep(2 * float(env["POLL_INTERVAL_SECONDS"]))  # its baseline round
        await quiet_then_play(run, poller.pid, site, QUIET, keys, titles)
        await asyncio.sleep(TAIL)
        run.peak_rss = peak_rss_mb(poller.pid)
    finally:
        await stop(poller)
    await reader
    match(run.changes, await slack.calls(since))
    run.blocked_after = blocked_after(lines)
    return run
