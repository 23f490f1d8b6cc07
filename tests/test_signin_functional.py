"""``python -m bot run`` signs in to the Webex site once at start and logs how it
went, before any channel subscribes: a real process against the simulator, a
closed port and a port that hangs up; and the wiring that stops polling when
the credentials are refused."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from adapters.webex.simulator import SimulatedSite
from adapters.webex.xmlapi import Credentials, XmlApiClient
from bot.config import load_settings
from bot.health import Status
from bot.runtime import build_core, start_watching
from bot.watch.watcher import WatchSettings
from tests.fakes.chat import RecordingChat
from tests.fakes.net import free_port
from tests.fakes.sim import ADMIN_ID, ADMIN_PASSWORD, SITE_NAME
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.timeout(90)


def _env(
    slack: FakeSlack, xml_url: str, port: int, password: str = ADMIN_PASSWORD
) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEBEX_", "DATABASE_"))
    }
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-signin-test-token",
            "SLACK_SIGNING_SECRET": "signin-test-secret",
            "SLACK_API_URL": slack.api_url,
            "WEBEX_XML_URL": xml_url,
            "WEBEX_SITE_NAME": SITE_NAME,
            "WEBEX_ID": ADMIN_ID,
            "WEBEX_PASSWORD": password,
            "DATABASE_URL": "sqlite:///meetbot.db",
            "PORT": str(port),
            "NO_COLOR": "1",
        }
    )
    return env


async def _run_until_logged(env: dict[str, str], cwd: Path, wanted: str) -> str:
    """Start ``python -m bot run``; once ``wanted`` is in its log, check /healthz,
    stop it with SIGTERM and return the whole log (the process must exit 0)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    log = ""
    try:
        while wanted not in log:
            line = await asyncio.wait_for(process.stderr.readline(), 40)
            assert line, f"the process ended before logging {wanted!r}:\n{log}"
            log += line.decode()
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{env['PORT']}/healthz") as health,
        ):
            assert health.status == 200, log
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 30)
        code = await asyncio.wait_for(process.wait(), 30)
    log += rest.decode()
    assert code == 0, log
    assert "Traceback" not in log
    return log


async def test_run_logs_signed_in_to_the_site_after_one_getsite(
    tmp_path: Path, sim_site: SimulatedSite, sim_url: str, fake_slack: FakeSlack
) -> None:
    log = await _run_until_logged(
        _env(fake_slack, sim_url, free_port()), tmp_path, f"meetbot.webex: signed in to {SITE_NAME}"
    )
    assert sim_site.request_count("GetSite") == 1
    # No channel subscribed: nothing else was asked of the site.
    assert sim_site.request_count() == 1
    assert ADMIN_PASSWORD not in log
    # bolt no longer finds SLACK_BOT_TOKEN in the environment beside our client.
    assert "token will be unused" not in log


async def test_run_with_a_closed_port_logs_the_failure_once_and_keeps_serving(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/WBXService/XMLService"
    log = await _run_until_logged(
        _env(fake_slack, closed, free_port()), tmp_path, "could not sign in to Webex"
    )
    (line,) = [line for line in log.splitlines() if "sign in" in line]
    assert "check WEBEX_XML_URL" in line
    assert "signed in to" not in log


@asynccontextmanager
async def _hanging_up() -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback port that accepts and closes every connection at once; yields its
    URL and the count of connections it took."""
    taken = [0]

    async def hang_up(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        taken[0] += 1
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/WBXService/XMLService", taken
    finally:
        server.close()
        await server.wait_closed()


async def test_run_against_a_refusing_site_tries_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    async with _hanging_up() as (url, taken):
        log = await _run_until_logged(
            _env(fake_slack, url, free_port()), tmp_path, "could not sign in to Webex"
        )
    assert taken[0] == 1
    assert log.count("could not sign in") == 1


async def test_refused_credentials_at_start_stop_polling_before_it_begins(
    sim_site: SimulatedSite, sim_url: str
) -> None:
    settings = load_settings({}, env_file=None)
    client = XmlApiClient(
        sim_url, Credentials(site_name=SITE_NAME, webex_id=ADMIN_ID, password="wrong")
    )
    async with AsyncExitStack() as stack:
        core = await build_core(
            stack,
            settings=settings,
            webex=client,
            chat=RecordingChat(),
            clock=sim_site.clock.now,
            database_url="sqlite:///:memory:",
            watch_settings=WatchSettings(discovery_interval=60, poll_interval=60),
        )
        await core.store.subscribe("C1", "all", "")
        await start_watching(stack, core, site_name=SITE_NAME)
        assert core.watch.watcher.halted
        assert sim_site.request_count() == 1
        webex = core.health.component("webex")
        assert webex is not None and webex.status is Status.FAILING
        assert webex.detail.startswith("credentials refused")
        assert not core.health.ready()
        # A poll now would try the refused password again (and could lock the account).
        assert await core.watch.watcher.discover() == []
        assert await core.watch.watcher.poll_live() == []
        assert sim_site.request_count() == 1
