"""``python -m adapters.webex.simulator`` serves the example site until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys

from aiohttp import ClientSession

from tests.simxml import call, content, message


async def test_cli_serves_the_example_site_and_stops_on_ctrl_c() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.webex.simulator",
        "--port",
        "0",
        "--site-name",
        "demo",
        "--webex-id",
        "boss",
        "--password",
        "pw",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await process.stdout.readline()).decode().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/WBXService/XMLService")
        request = message(content("site.GetSite"), webex_id="boss", password="pw", site_name="demo")
        async with ClientSession() as session:
            (item,) = await call(session, url, request)
        assert item.result == "SUCCESS"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        returncode = await process.wait()
    assert returncode == 0
