"""Plain-HTTP helpers for the REST simulator tests, and Cisco's JSON schemas.

Deliberately independent of any REST client: requests are written with a bare
aiohttp session as Cisco's reference pages show them. The schemas are the
files in ``tests/fixtures/webex_rest/`` (copied from Cisco's OpenAPI), with
their ``$ref`` targets resolved from ``meeting-openapi.components.json``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestServer

from adapters.webex.rest.simulator import RestSite, Series, create_app
from adapters.webex.simulator import SimClock

FIXTURES = Path(__file__).parent / "fixtures" / "webex_rest"
#: A Monday morning; the site's clock stands still there unless advanced.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ADMIN = "admin@acme.example"
ADMIN_TOKEN = "T"
ALICE = "alice@acme.example"
ALICE_TOKEN = "alice-token"
BOB = "bob@acme.example"

_SCHEMA_FILES = {
    "MeetingObjectForListMeeting": "meetingobjectforlistmeeting.schema.json",
    "MeetingSeriesObject": "meetingseriesobject.schema.json",
    "Participant": "participant.schema.json",
    "Webhook": "webhook.schema.json",
    "WebhookCollectionResponse": "webhookcollectionresponse.schema.json",
}


def _schema_document() -> dict[str, Any]:
    components = json.loads((FIXTURES / "meeting-openapi.components.json").read_text())
    schemas: dict[str, Any] = components["components"]["schemas"]
    for name, filename in _SCHEMA_FILES.items():
        schema = json.loads((FIXTURES / filename).read_text())
        # The files carry "$id": "#/components/schemas/<name>", which only
        # means "this is that component": file them under it.
        schemas[name] = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    return {"components": {"schemas": schemas}}


_DOCUMENT = _schema_document()


def check_schema(value: Any, name: str, *, absent: Iterable[str] = ()) -> None:
    """Validate ``value`` against Cisco's schema ``name``; ``absent`` lists the
    required fields Cisco documents as absent in this state (e.g. ``password``
    of an ended instance), dropped from ``required`` for this check."""
    schemas = json.loads(json.dumps(_DOCUMENT["components"]["schemas"]))
    target = schemas[name]
    gone = set(absent)
    if gone:
        target["required"] = [f for f in target.get("required", []) if f not in gone]
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
    jsonschema.Draft202012Validator(root).validate(value)


def samples() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "webhook-and-error-samples.json").read_text())
    return loaded


def new_site(*, lag: timedelta = timedelta(0)) -> RestSite:
    """An organisation on acme.webex.com with an admin (token ``T``), Alice
    (a host with her own token) and Bob, at START on a frozen clock."""
    site = RestSite(SimClock(start=START, speed=0), listing_lag=lag)
    site.add_person(ADMIN, "Ada Admin")
    site.add_person(ALICE, "Alice Host")
    site.add_person(BOB, "Bob Guest")
    site.tokens.add(ADMIN_TOKEN, ADMIN, admin=True)
    site.tokens.add(ALICE_TOKEN, ALICE)
    return site


def schedule(site: RestSite, host: str = ALICE, *, minutes_ahead: int = 60, **kw: Any) -> Series:
    """A one-hour series of ``host`` starting ``minutes_ahead`` from now."""
    start = site.clock.now() + timedelta(minutes=minutes_ahead)
    return site.create(
        site.person(host), title=kw.pop("title", "Standup"), start=start,
        end=start + timedelta(hours=1), **kw,
    )  # fmt: skip


@dataclass
class Api:
    """A bare session on the simulator's ``/v1/`` root."""

    session: ClientSession
    base: str
    server: TestServer

    async def call(
        self, method: str, path: str, *, token: str | None = ADMIN_TOKEN, **kw: Any
    ) -> ClientResponse:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.base + path
        return await self.session.request(method, url, headers=headers, **kw)

    async def json(self, method: str, path: str, *, status: int = 200, **kw: Any) -> Any:
        """The JSON answer of a call that must answer ``status``."""
        async with await self.call(method, path, **kw) as response:
            body = await response.json(content_type=None)
            assert response.status == status, body
            return body


@asynccontextmanager
async def running(site: RestSite) -> AsyncIterator[Api]:
    """``create_app(site)`` on 127.0.0.1 and a free port, with a session."""
    server = TestServer(create_app(site), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            yield Api(session=session, base=str(server.make_url("/v1/")), server=server)
    finally:
        await server.close()


@dataclass
class Target:
    """A loopback webhook target: records each POST, answers ``status``."""

    url: str
    received: list[tuple[dict[str, str], bytes]]
    status: int = 200
    #: When set, each request waits for it before being answered.
    gate: asyncio.Event | None = None
    #: Set whenever a request has been received.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def envelopes(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@asynccontextmanager
async def running_target() -> AsyncIterator[Target]:
    """A target on 127.0.0.1 and a free port, at ``/webex/webhooks``."""
    target = Target(url="", received=[])

    async def receive(request: web.Request) -> web.Response:
        target.received.append((dict(request.headers), await request.read()))
        target.arrived.set()
        if target.gate is not None:
            await target.gate.wait()
        return web.Response(status=target.status)

    app = web.Application()
    app.router.add_post("/webex/webhooks", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    target.url = str(server.make_url("/webex/webhooks"))
    try:
        yield target
    finally:
        await server.close()
