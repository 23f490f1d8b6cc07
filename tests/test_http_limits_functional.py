"""Stalled clients are let go: real sockets on loopback that send part of a
request and stop, against the bot's web app served as in production."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest
from aiohttp import ClientSession

from bot.config import load_settings
from bot.runtime import start_web
from bot.serve.http_limits import HttpLimits
from bot.serve.slack_ingress import SlackEndpoint
from bot.serve.tasks import TaskOwner
from bot.serve.web import create_web_app
from state.store import Store
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_bot import SECRET, make_slack_app

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def _serve(
    fake_slack: FakeSlack, store: Store, limits: HttpLimits, *, body_timeout: float
) -> AsyncIterator[int]:
    tasks = TaskOwner()
    bolt = make_slack_app(fake_slack, None, store, clock=lambda: NOW, tasks=tasks)  # type: ignore[arg-type]
    app = create_web_app(
        load_settings({}, env_file=None),
        SlackEndpoint(app=bolt, signing_secret=SECRET, body_timeout=body_timeout),
        lambda: True,
    )
    async with AsyncExitStack() as stack:
        yield await start_web(stack, app, host="127.0.0.1", port=0, limits=limits)


@pytest.fixture
async def port(fake_slack: FakeSlack, sqlite_store: Store) -> AsyncIterator[int]:
    limits = HttpLimits(header_timeout=0.5, max_connections=64)
    async for p in _serve(fake_slack, sqlite_store, limits, body_timeout=0.3):
        yield p


async def _healthy(port: int) -> bool:
    async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as r:
        return r.status == 200


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), 30)


async def test_a_body_that_never_completes_is_answered_408_and_dropped(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000\r\n\r\ncommand=%2Fwebex"
    )
    await writer.drain()
    assert await _healthy(port)  # a stalled client blocks nobody
    answer = await _read_all(reader)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_headers_that_never_complete_are_dropped(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Le")
    await writer.drain()
    assert await _read_all(reader) == b""  # closed without an answer
    writer.close()


async def test_connections_over_the_limit_are_refused_at_once(
    fake_slack: FakeSlack, sqlite_store: Store
) -> None:
    limits = HttpLimits(header_timeout=60, max_connections=2)
    async for port in _serve(fake_slack, sqlite_store, limits, body_timeout=60):
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _, writer in held:
            writer.write(b"GET /healthz HTTP/1.1\r\n")  # and nothing more
            await writer.drain()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await _read_all(reader)
        assert answer.startswith(b"HTTP/1.1 503")
        writer.close()
        for _, w in held:
            w.close()
            await w.wait_closed()
        for _ in range(3000):  # the server notices the closes on its next loop turns
            await asyncio.sleep(0.01)
            if await _healthy(port):  # a 503 until then
                break
        assert await _healthy(port)


def test_limits_validate() -> None:
    with pytest.raises(ValueError, match="header_timeout"):
        HttpLimits(header_timeout=0)
    with pytest.raises(ValueError, match="max_connections"):
        HttpLimits(max_connections=0)
