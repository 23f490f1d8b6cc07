"""The pure figures of bench_rest: its script, percentiles and log reading."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bench.rest_figures import (
    call_kinds,
    first_seen,
    job_totals,
    pct,
    repeated,
    script,
    slack_body,
    sweep_of,
)


def test_the_script_gives_each_meeting_its_three_steps_in_order() -> None:
    plays = script(targets=40, ticks=120)
    assert len(plays) == len({t for t, _, _ in plays}), "one change per tick"
    by_meeting: dict[int, list[tuple[int, int]]] = {}
    for tick, meeting, step in plays:
        by_meeting.setdefault(meeting, []).append((tick, step))
    # In 120 ticks meetings 0..31 get all three steps, 13 ticks apart: 108 changes.
    assert [s for _, s in by_meeting[0]] == [0, 1, 2]
    assert [t for t, _ in by_meeting[0]] == [0, 13, 26]
    assert all(len(by_meeting[m]) == 3 for m in range(32))
    assert len(plays) == 40 + 36 + 32
    assert [s for _, s in by_meeting[39]] == [0]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in (5, 1, 4, 2, 3)]
    assert pct(values, 0.5) == 3.0
    assert pct(values, 0.95) == 5.0
    assert pct(values, 0.0) == 1.0
    assert pct([], 0.5) != pct([], 0.5)  # NaN


def _call(method: str, path: str, **query: str) -> dict[str, str]:
    return {"method": method, "path": path, "query": urlencode(query), "body": ""}


def test_rest_calls_are_sorted_by_the_job_that_makes_them() -> None:
    calls = [
        _call("GET", "/v1/meetings", meetingType="meeting", state="inProgress"),
        _call("GET", "/v1/meetings", meetingType="meeting", state="lobby"),
        _call("GET", "/v1/meetingParticipants", meetingId="abc"),
        _call("GET", "/v1/meetings", meetingType="scheduledMeeting", hostEmail="a@x"),
        _call("GET", "/v1/webhooks"),
        _call("GET", "/v1/meetings/abc"),
        _call("POST", "/v1/webhooks"),
    ]
    assert [sweep_of(c) for c in calls] == [
        "sweep_live", "sweep_live", "sweep_live", "sweep_schedule", "webhooks", "other", "other",
    ]  # fmt: skip
    assert call_kinds(calls) == {"sweep_live": 3, "sweep_schedule": 1, "webhooks": 1, "other": 2}


def test_slack_bodies_are_read_as_json_or_form() -> None:
    assert slack_body(json.dumps({"channel": "C1", "blocks": [1]})) == {
        "channel": "C1",
        "blocks": "[1]",
    }
    assert slack_body(urlencode({"channel": "C1", "text": "a b"})) == {
        "channel": "C1",
        "text": "a b",
    }


def _post(t: float, **body: str) -> tuple[float, str, str]:
    return (t, "chat.postMessage", json.dumps(body))


def test_a_reply_twice_in_one_thread_is_one_repeat() -> None:
    calls = [
        _post(1.0, channel="C1", text="card Planning In progress"),
        _post(2.0, channel="C1", thread_ts="1.1", text="started"),
        _post(3.0, channel="C1", thread_ts="1.1", text="host joined"),
        _post(4.0, channel="C1", thread_ts="1.1", text="started"),
        _post(5.0, channel="C1", thread_ts="2.2", text="started"),
        (6.0, "chat.update", json.dumps({"channel": "C1", "ts": "1.1", "text": "started"})),
    ]
    assert repeated(calls) == 1


def test_first_seen_is_the_first_call_after_the_change_with_its_news() -> None:
    calls = [
        _post(1.0, text="Planning: In progress"),
        _post(2.0, text="Other: Ended"),
        _post(3.0, text="Planning: Ended"),
        _post(4.0, text="Planning: Ended"),
    ]
    assert first_seen("Planning", "ended", 0.5, calls) == 3.0
    assert first_seen("Planning", "started", 1.5, calls) is None
    assert first_seen("Planning", "started", 0.5, calls) == 1.0


def test_job_totals_read_the_duration_histogram() -> None:
    metrics = (
        "# HELP meetbot_job_duration_seconds How long each job run took\n"
        'meetbot_job_duration_seconds_bucket{job="sweep_live",le="0.1"} 3.0\n'
        'meetbot_job_duration_seconds_count{job="sweep_live"} 4.0\n'
        'meetbot_job_duration_seconds_sum{job="sweep_live"} 0.5\n'
    )
    assert job_totals(metrics, ("sweep_live", "webhooks")) == {
        "sweep_live": (4.0, 0.5),
        "webhooks": (0.0, 0.0),
    }
