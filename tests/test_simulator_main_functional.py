"""``python -m adapters.webex.simulator`` serves the example site, prints the
``.env`` lines that point the bot at it, and stops on SIGTERM or SIGINT, also
when started with SIGINT ignored."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession

from adapters.webex.simulator.__main__ import _arguments
from adapters.webex.xmlapi import Credentials, XmlApiClient
from bot.config import parse_dotenv
from tests.simxml import call, content, message

pytestmark = pytest.mark.timeout(60)

_CLI = ["-m", "adapters.webex.simulator", "--port", "0"]
#: Starts the simulator as a background job or nohup does: SIGINT ignored,
#: which exec passes on.
_SIGINT_IGNORED = [
    "-c",
    (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN);"
        " os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    ),
]


@asynccontextmanager
async def _simulator(
    *args: str, ignore_sigint: bool = False
) -> AsyncIterator[tuple[asyncio.subprocess.Process, list[str]]]:
    """The CLI as a process, once it printed its URL and .env lines (6 lines)."""
    prefix = _SIGINT_IGNORED if ignore_sigint else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, *prefix, *_CLI, *args, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 30)).decode().rstrip("\n")
            for _ in range(6)
        ]
        yield process, lines
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_cli_prints_the_env_lines_the_bot_signs_in_with() -> None:
    args = ("--site-name", "demo", "--webex-id", "boss", "--password", "pw")
    async with _simulator(*args) as (process, lines):
        url = lines[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/WBXService/XMLService")
        env = parse_dotenv("\n".join(lines[1:]))
        assert env == {
            "WEBEX_XML_URL": url,
            "WEBEX_SITE_NAME": "demo",
            "WEBEX_ID": "boss",
            "WEBEX_PASSWORD": "pw",
        }
        credentials = Credentials(
            site_name=env["WEBEX_SITE_NAME"],
            webex_id=env["WEBEX_ID"],
            password=env["WEBEX_PASSWORD"],
        )
        async with XmlApiClient(env["WEBEX_XML_URL"], credentials) as client:
            site = await client.site_capabilities()
        assert site.site_name == "demo"
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_defaults_sign_in_as_the_readme_says() -> None:
    async with _simulator() as (process, lines):
        env = parse_dotenv("\n".join(lines[1:]))
        assert (env["WEBEX_SITE_NAME"], env["WEBEX_ID"], env["WEBEX_PASSWORD"]) == (
            "acme",
            "admin",
            "admin-pass",
        )
        request = message(
            content("site.GetSite"), webex_id="admin", password="admin-pass", site_name="acme"
        )
        async with ClientSession() as session:
            (item,) = await call(session, lines[0], request)
        assert item.result == "SUCCESS"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
async def test_stops_cleanly_when_started_with_sigint_ignored(stop_with: signal.Signals) -> None:
    async with _simulator(ignore_sigint=True) as (process, _lines):
        process.send_signal(stop_with)
        assert await asyncio.wait_for(process.wait(), 30) == 0


def test_help_shows_every_default() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "adapters.webex.simulator", "--help"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    flat = " ".join(out.split())
    for default in ("8080", "127.0.0.1", "acme", "admin)", "admin-pass", "1.0"):
        assert f"(default: {default}" in flat
    assert ".env" in flat


def test_readme_names_the_defaults_the_cli_has() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("The Webex site simulator also runs on its own") :]
    paragraph = paragraph[: paragraph.index("\n## ")]
    defaults = _arguments([])
    for name in ("site_name", "webex_id", "password"):
        assert f"`{getattr(defaults, name)}`" in paragraph, name
    assert "--port 8080" in paragraph and str(defaults.port) == "8080"
