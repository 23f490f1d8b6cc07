"""TaskOwner: background work is kept, awaited, and failures are logged."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestServer

from bot.config import load_settings
from bot.serve.tasks import TaskOwner
from bot.serve.web import create_web_app, drain_on_shutdown


async def test_join_waits_for_work_and_work_it_starts() -> None:
    owner = TaskOwner()
    done: list[str] = []

    async def inner() -> None:
        await asyncio.sleep(0)
        done.append("inner")

    async def outer() -> None:
        await asyncio.sleep(0)
        owner.spawn(inner(), name="inner")
        done.append("outer")

    assert owner.spawn(outer(), name="outer")
    await owner.join()
    assert done == ["outer", "inner"]
    assert owner.pending == 0


async def test_failures_are_logged_not_lost(caplog: pytest.LogCaptureFixture) -> None:
    owner = TaskOwner()

    async def boom() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="meetbot.tasks"):
        owner.spawn(boom(), name="boom")
        await owner.join()
    assert "background task boom failed" in caplog.text


async def test_close_refuses_new_work_and_cancels_what_outlives_the_grace() -> None:
    owner = TaskOwner()
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    owner.spawn(forever(), name="forever")
    await started.wait()
    await owner.close(grace_seconds=0)
    assert cancelled == [True]

    async def late() -> None:
        raise AssertionError("must not run")

    assert owner.spawn(late(), name="late") is False


async def test_web_app_shutdown_waits_for_running_commands() -> None:
    owner = TaskOwner()
    release = asyncio.Event()
    finished: list[bool] = []

    async def command() -> None:
        await release.wait()
        finished.append(True)

    settings = load_settings({}, env_file=None)
    app = create_web_app(settings, None, lambda: True, hooks=[drain_on_shutdown(owner)])
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    owner.spawn(command(), name="slow-command")
    closing = asyncio.create_task(server.close())
    await asyncio.sleep(0)
    release.set()
    await closing
    assert finished == [True]
    assert owner.spawn(command(), name="after") is False
