"""The pure arithmetic of bench_rest: the script, percentiles, and reading the logs.

Nothing here does I/O: the bench hands in what the REST simulator's request
log (``GET /control/calls``), the fake Slack (``GET /bench/calls``) and the
service's ``/metrics`` said, and gets figures back.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import parse_qs, parse_qsl

#: The simulator's control actions of the scenario, in order for each meeting,
#: and the event kind each one is news of.
STEPS = (("lobby_join", "started"), ("host_joins", "host_joined"), ("end", "ended"))
#: What the meeting's card says once Slack has each kind of news.
MARKERS = {
    "started": ("In progress", "Attendees waiting"),
    "host_joined": ("host present",),
    "ended": ("Ended",),
}


def script(targets: int, ticks: int, gap: int = 4) -> list[tuple[int, int, int]]:
    """``(tick, meeting, step)`` for a stream of one change per tick: meeting
    ``i`` has attendees in the lobby at tick ``3i``, its host joins ``3 * gap
    + 1`` ticks later, and it ends as many ticks after that. Ticks with no
    change (the first and the last few) are left out."""
    plays = []
    for tick in range(ticks):
        step_no, phase = divmod(tick, 3)
        meeting = step_no - gap * phase
        if 0 <= meeting < targets:
            plays.append((tick, meeting, phase))
    return plays


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sweep_of(call: dict[str, str]) -> str:
    """Which periodic job a REST call belongs to: ``sweep_live`` (listings of
    what runs now and rosters), ``sweep_schedule`` (the schedule listing),
    ``webhooks`` (the registration check) or ``other`` (anything else)."""
    path, query = call["path"], dict(parse_qsl(call.get("query", "")))
    if call["method"] == "GET" and path == "/v1/meetings":
        kind = query.get("meetingType")
        if kind == "scheduledMeeting":
            return "sweep_schedule"
        if kind == "meeting" and query.get("state") in ("inProgress", "lobby"):
            return "sweep_live"
    if call["method"] == "GET" and path == "/v1/meetingParticipants":
        return "sweep_live"
    if call["method"] == "GET" and path == "/v1/webhooks":
        return "webhooks"
    return "other"


def call_kinds(calls: list[dict[str, str]]) -> Counter[str]:
    """How many of ``calls`` each periodic job made (see :func:`sweep_of`)."""
    return Counter(sweep_of(c) for c in calls)


def slack_body(text: str) -> dict[str, str]:
    """A Slack Web API request body, JSON or form-encoded, as flat strings."""
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
    return {k: v[0] for k, v in parse_qs(text).items()}


def repeated(calls: list[tuple[float, str, str]]) -> int:
    """Notifications posted more than once: thread replies with the same text
    in the same thread, beyond the first of each."""
    replies: Counter[tuple[str | None, str, str | None]] = Counter()
    for _t, method, text in calls:
        if method != "chat.postMessage":
            continue
        body = slack_body(text)
        if body.get("thread_ts"):
            replies[(body.get("channel"), body["thread_ts"], body.get("text"))] += 1
    return sum(n - 1 for n in replies.values())


def first_seen(
    title: str, kind: str, at: float, calls: list[tuple[float, str, str]]
) -> float | None:
    """When the first Slack call at or after ``at`` named ``title`` with the
    news of ``kind`` (its card's marker)."""
    markers = MARKERS[kind]
    for t, _method, text in calls:
        if t < at:
            continue
        body = json.dumps(slack_body(text))
        if title in body and any(m in body for m in markers):
            return t
    return None


def job_totals(metrics: str, jobs: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``(runs, seconds spent)`` so far per job, from ``meetbot_job_duration_seconds``."""
    values: dict[str, float] = {}
    for line in metrics.splitlines():
        if line.startswith("meetbot_job_duration_seconds_"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return {
        job: (
            values.get(f'meetbot_job_duration_seconds_count{{job="{job}"}}', 0.0),
            values.get(f'meetbot_job_duration_seconds_sum{{job="{job}"}}', 0.0),
        )
        for job in jobs
    }
