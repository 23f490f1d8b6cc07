"""``make demo-rest``: ``WEBEX_API=rest python -m bot demo``, a real process whose
console shows the demo script's notifications, fed by the REST simulator's
webhooks, and which stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.net import free_port

pytestmark = pytest.mark.timeout(120)

#: What the console shows once the script has played its first half.
SHOWN = (b"Scheduled", b"Started.", b"Attendees are waiting for the host.", b"The host joined.")


async def test_the_rest_demo_shows_the_script_fed_by_webhooks(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_", "DATABASE_"))
    }
    env.update({"PORT": str(port), "NO_COLOR": "1", "LOG_FORMAT": "json", "WEBEX_API": "rest"})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        seen = b""
        deadline = time.monotonic() + 80
        while not all(text in seen for text in SHOWN):
            assert time.monotonic() < deadline, seen.decode(errors="replace")[-3000:]
            chunk = await asyncio.wait_for(process.stdout.read(4096), 80)
            assert chunk, "the demo closed its output early"
            seen += chunk
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        drained = asyncio.create_task(process.stdout.read())
        stderr = await asyncio.wait_for(process.stderr.read(), 30)
        await drained
        code = await asyncio.wait_for(process.wait(), 30)
    assert code == 0, stderr.decode(errors="replace")[-2000:]
    assert b"demo started over the REST API" in stderr
    assert b"Traceback" not in stderr
    assert not os.listdir(tmp_path), "the demo's database was temporary"
