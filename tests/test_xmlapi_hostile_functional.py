"""Hostile bodies served over loopback are refused quickly by the real client,
with a typed error and without holding more than the cap in memory."""

import contextlib
import tracemalloc
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.errors import UnsafeXmlError
from adapters.webex.xmlapi import Credentials, XmlApiClient
from tests.test_xmlapi_xml import BILLION_LAUGHS, EXTERNAL_ENTITY

PATH = "/WBXService/XMLService"
CAP = 1024 * 1024
FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"<a>" + b"x" * (64 * 1024 - 7) + b"</a>"


async def billion_laughs(request: web.Request) -> web.Response:
    return web.Response(body=BILLION_LAUGHS, content_type="text/xml")


async def external_entity(request: web.Request) -> web.Response:
    return web.Response(body=EXTERNAL_ENTITY, content_type="text/xml")


async def fifty_mb_streamed(request: web.Request) -> web.StreamResponse:
    """50 MB without Content-Length: the cap must be enforced while reading."""
    response = web.StreamResponse(headers={"Content-Type": "text/xml"})
    await response.prepare(request)
    sent = 0
    try:
        while sent < FIFTY_MB:
            await response.write(CHUNK)
            sent += len(CHUNK)
    except (ConnectionResetError, ConnectionError):
        pass  # the client hung up at the cap, as it should
    return response


async def fifty_mb_declared(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/xml"})
    response.content_length = FIFTY_MB
    await response.prepare(request)
    with contextlib.suppress(ConnectionResetError, ConnectionError):
        await response.write(CHUNK)
    return response


@pytest.fixture
async def client() -> AsyncIterator[dict[str, XmlApiClient]]:
    app = web.Application()
    app.router.add_post("/laughs" + PATH, billion_laughs)
    app.router.add_post("/xxe" + PATH, external_entity)
    app.router.add_post("/streamed" + PATH, fifty_mb_streamed)
    app.router.add_post("/declared" + PATH, fifty_mb_declared)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    credentials = Credentials(site_name="s", webex_id="b", password="pw")
    clients = {
        name: XmlApiClient(str(server.make_url(f"/{name}{PATH}")), credentials, max_body_bytes=CAP)
        for name in ("laughs", "xxe", "streamed", "declared")
    }
    yield clients
    for each in clients.values():
        await each.close()
    await server.close()


@pytest.mark.parametrize("name", ["laughs", "xxe", "streamed", "declared"])
async def test_hostile_body_is_refused(client, name: str) -> None:
    with pytest.raises(UnsafeXmlError) as caught:
        await client[name].get_meeting("1")
    assert "passwd" not in str(caught.value)


async def test_streamed_body_memory_stays_near_the_cap(client) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeXmlError):
            await client["streamed"].get_meeting("1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * CAP, f"peak {peak} bytes for a {CAP}-byte cap"
