"""Real service processes (``python -m bot run``) as replicas on one PostgreSQL
database, for the failover and partition tests and the takeover benchmark.

Each replica is the production entry point with its settings in the
environment: the fake Slack Web API and the simulated Webex site on loopback,
short intervals, its own port. Every life of a replica gets a bot token of its
own (``xoxb-<name>-<life>``), so what the fake Slack received says which
process sent it. A replica's role is read from its ``/healthz``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.fakes.net import free_port
from tests.fakes.slack_api import FakeSlack

__all__ = ["ROOT", "SIGNING_SECRET", "ReplicaProcess", "replica_env"]

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "replica-signing-secret-3c9d"
WEBEX_PASSWORD = "replica-admin-pass-5e1a"


def replica_env(slack: FakeSlack, site_url: str, database_url: str) -> dict[str, str]:
    """The settings every replica shares (the token and port are per replica)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_"))}
    env.update(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "WEBEX_XML_URL": site_url,
            "WEBEX_SITE_NAME": "acme",
            "WEBEX_ID": "admin",
            "WEBEX_PASSWORD": WEBEX_PASSWORD,
            "DATABASE_URL": database_url,
            "POLL_INTERVAL_SECONDS": "1",
            "DISCOVERY_INTERVAL_SECONDS": "1",
            "WAITING_GRACE_SECONDS": "1",
            "WEBEX_SESSIONINFO_HOURLY_BUDGET": "100000",
            "LOG_FORMAT": "json",
        }
    )
    return env


@dataclass
class ReplicaProcess:
    """One replica, restartable; its lives share a port and a log file."""

    name: str
    env: Mapping[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    life: int = 0
    proc: asyncio.subprocess.Process | None = None
    kills: int = 0

    @property
    def token(self) -> str:
        """The bot token of the current life."""
        return f"xoxb-{self.name}-{self.life}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tokens(self) -> set[str]:
        """Every token this replica has used, one per life."""
        return {f"xoxb-{self.name}-{n}" for n in range(1, self.life + 1)}

    async def start(self, env: Mapping[str, str] | None = None) -> None:
        self.life += 1
        settings = {**(env or self.env), "SLACK_BOT_TOKEN": self.token, "PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=settings,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def send(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def kill(self) -> None:
        """SIGKILL, as a node going down: nothing runs after it."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += 1
        await self.proc.wait()

    async def terminate(self, within: float = 30) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), within)

    async def role(self, http: aiohttp.ClientSession) -> str | None:
        """The role its ``/healthz`` reports, or None while it does not answer 200."""
        if not self.alive:
            return None
        try:
            async with http.get(
                f"{self.base}/healthz", timeout=aiohttp.ClientTimeout(total=2)
            ) as r:
                if r.status != 200:
                    return None
                role: str = (await r.json())["role"]
                return role
        except (aiohttp.ClientError, TimeoutError):
            return None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


async def wait_for_role(
    http: aiohttp.ClientSession,
    replicas: list[ReplicaProcess],
    role: str,
    within: float = 60,
) -> tuple[ReplicaProcess, float]:
    """The first replica to report ``role``, and the monotonic time it was seen."""
    deadline = time.monotonic() + within
    while True:
        for replica in replicas:
            if await replica.role(http) == role:
                return replica, time.monotonic()
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {r.name}\n{r.tail()}" for r in replicas)
            raise AssertionError(f"no replica became {role} within {within:g} s\n{logs}")
        await asyncio.sleep(0.05)
