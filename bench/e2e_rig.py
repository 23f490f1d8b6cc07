"""The processes of bench_e2e and bench_rest, and how to read them from outside.

The service (``python -m bot run``, configured only through its environment),
the simulated site (``python -m adapters.webex.simulator``, XML or ``--api
rest``) and the fake Slack
(``python -m bench.e2e_slack``) each run in their own process; the bench
talks to them over loopback only, and reads the service's CPU time and peak
RSS from ``/proc`` (Linux).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "bench-signing-secret"
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


async def spawn(
    *args: str, env: dict[str, str] | None = None, log: str | None = None
) -> asyncio.subprocess.Process:
    """Start ``python <args>``; its stderr goes to the file ``log`` (appended),
    or is discarded."""
    stderr = (
        asyncio.subprocess.DEVNULL
        if log is None
        else os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    )
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
    finally:
        if log is not None:
            os.close(stderr)


async def first_line(proc: asyncio.subprocess.Process) -> str:
    """The first line ``proc`` prints (how the servers say where they listen)."""
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 600)
    if not line:
        raise RuntimeError("the process ended before it printed its URL")
    return line.decode().strip()


async def stop(proc: asyncio.subprocess.Process, grace: float = 20) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of process ``pid``'s resident memory, in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(slots=True)
class Site:
    """The simulator process, through its control surface."""

    proc: asyncio.subprocess.Process
    url: str
    http: ClientSession

    @property
    def base(self) -> str:
        """The site's root: its XML URL or REST API root (``/v1/``) cut off."""
        return self.url.split("/WBXService", 1)[0].removesuffix("/v1/")

    async def act(self, action: str, **args: Any) -> dict[str, Any]:
        async with self.http.post(f"{self.base}/control/{action}", json=args) as r:
            body: dict[str, Any] = await r.json()
            if r.status != 200:
                raise RuntimeError(f"{action} {args}: {body}")
            return body

    async def requests(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/control/requests") as r:
            body: dict[str, Any] = await r.json()
            return body

    async def rest_calls(self) -> list[dict[str, str]]:
        """The REST simulator's request log, oldest first (method, path, query, body)."""
        async with self.http.get(f"{self.base}/control/calls") as r:
            calls: list[dict[str, str]] = (await r.json())["calls"]
            return calls


@dataclass(slots=True)
class Slack:
    """The fake Slack process: where each Web API call arrived, and when."""

    proc: asyncio.subprocess.Process
    api_url: str
    http: ClientSession

    async def calls(self, since: int = 0) -> list[tuple[float, str, str]]:
        base = self.api_url.removesuffix("/api/")
        async with self.http.get(f"{base}/bench/calls", params={"since": since}) as r:
            body: dict[str, Any] = await r.json()
        return [(float(t), str(m), str(b)) for t, m, b in body["calls"]]


async def healthy(http: ClientSession, port: int) -> None:
    """Wait (up to two minutes) until the service answers /healthz with 200."""
    loop = asyncio.get_running_loop()
    until = loop.time() + 120
    while loop.time() < until:
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                if r.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError("the service did not become healthy")


async def slash_command(http: ClientSession, port: int, text: str, ts: int) -> str:
    """``/webex <text>`` in channel C1, signed as Slack signs it; the reply text."""
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "channel_id": "C1",
            "user_id": "UOPS",
            "command": "/webex",
            "text": text,
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "bench",
        }
    )
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=str(ts), body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature or "",
    }
    async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as r:
        if r.status != 200:
            raise RuntimeError(f"/webex {text}: HTTP {r.status}")
        return await r.text()
