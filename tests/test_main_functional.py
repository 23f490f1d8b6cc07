"""`python -m bot` as the Procfile and `make demo` start it: a real process that
serves, shows notifications, answers /healthz and /metrics, and stops cleanly
on SIGTERM (what a platform sends on every deploy)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.net import free_port

pytestmark = pytest.mark.timeout(90)


async def test_demo_process_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_", "DATABASE_"))
    }
    env.update({"PORT": str(port), "NO_COLOR": "1", "LOG_FORMAT": "json"})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",  # no credentials: the embedded default
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        seen = b""
        deadline = time.monotonic() + 40
        while b"Started." not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
            chunk = await asyncio.wait_for(process.stdout.read(4096), 40)
            assert chunk, "the demo closed its output early"
            seen += chunk
        assert b"\x1b[" not in seen, "NO_COLOR is honoured"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
            async with http.get(f"http://127.0.0.1:{port}/metrics") as metrics:
                text = await metrics.text()
        assert 'meetbot_events_total{kind="scheduled"}' in text
        assert "meetbot_outbox_depth" in text
        # The demo has listed its site and polled: the memo and the jobs show.
        assert 'meetbot_rowmemo_rows_total{outcome="miss"}' in text
        assert "meetbot_rowmemo_hit_ratio" in text
        assert 'meetbot_job_duration_seconds_count{job="discover"}' in text
        assert 'meetbot_job_lag_seconds_count{job="remind"}' in text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        drained = asyncio.create_task(process.stdout.read())
        stderr = await asyncio.wait_for(process.stderr.read(), 30)
        await drained
        code = await asyncio.wait_for(process.wait(), 30)
    assert code == 0, stderr.decode(errors="replace")[-2000:]
    assert b'"message": "stopped"' in stderr
    assert b"Traceback" not in stderr
    assert not os.listdir(tmp_path), "the demo's database was temporary"
    # The log is dated by the demo's clock, which started at the wall time and
    # runs 30 times faster: by the last line it is far ahead of the wall.
    (stopped,) = [
        entry for line in stderr.splitlines() if (entry := json.loads(line))["message"] == "stopped"
    ]
    assert datetime.fromisoformat(stopped["time"]) > datetime.now(UTC) + timedelta(seconds=20)
    # One date format on screen: cards and notifications alike.
    shown = seen.decode()
    assert re.search(r"· \w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC ·", shown), "card"
    assert re.search(r"Scheduled for \w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", shown)
    assert not re.search(r"\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ", shown)


async def test_a_second_process_on_the_same_database_stops_with_one_line(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_", "DATABASE_"))
    }
    env.update({"NO_COLOR": "1", "DATABASE_URL": "sqlite:///shared.db"})

    async def start(port: int) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env={**env, "PORT": str(port)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    first = await start(free_port())
    assert first.stdout is not None
    try:
        seen = b""
        while b"Scheduled" not in seen:
            chunk = await asyncio.wait_for(first.stdout.read(4096), 40)
            assert chunk, "the first process closed its output early"
            seen += chunk
        second = await start(free_port())
        out, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert f"another meetbot process (pid {first.pid}) is using shared.db" in lines[0]
        assert b"Scheduled" not in out
    finally:
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.communicate(), 30)
    assert first.returncode == 0
