"""``POST /webex/webhooks`` on loopback: signed and forged deliveries, repeats,
the size cap, and a store that cannot take them."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from adapters.webex.rest.webhook import SIGNATURE_HEADER, sign
from bot.config import WEBHOOK_PATH, Settings
from bot.serve.web import create_web_app
from bot.serve.webex_webhooks import WebhookEndpoint, webhook_route
from state.store import Store, open_store

SECRET = "hook-secret-value"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
INSTANCE = "870f51ff287b41be84648412901e0402_I_167427437874906709"


def envelope(state: str = "inProgress", **data: Any) -> bytes:
    body = {
        "id": "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTZhYmMyYWE",
        "name": "meetbot meetings started",
        "targetUrl": "https://meetbot.example.com/webex/webhooks",
        "resource": "meetings",
        "event": "started",
        "orgId": "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x",
        "ownedBy": "org",
        "status": "active",
        "created": "2026-01-05T08:00:00.000Z",
        "data": {
            "id": INSTANCE,
            "meetingType": "meeting",
            "state": state,
            "start": "2026-01-05T09:00:00Z",
            "hostEmail": "alice@acme.example",
            **data,
        },
    }
    return json.dumps(body).encode()


class Rig:
    def __init__(self, server: TestServer, store: Store, http: ClientSession) -> None:
        self.server = server
        self.store = store
        self.http = http
        self.woken = 0

    async def post(self, body: bytes, signature: str | None = "sign") -> int:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers[SIGNATURE_HEADER] = sign(body, SECRET)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        async with self.http.post(
            self.server.make_url(WEBHOOK_PATH), data=body, headers=headers
        ) as r:
            await r.read()
            return r.status


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with await open_store("sqlite:///:memory:") as store, ClientSession() as http:
        holder: list[Rig] = []

        def woken() -> None:
            holder[0].woken += 1

        endpoint = WebhookEndpoint(secret=SECRET, inbox=store, on_delivery=woken, clock=lambda: NOW)
        app = create_web_app(
            Settings(demo=True), None, lambda: True, hooks=[webhook_route(endpoint)]
        )
        server = TestServer(app)
        await server.start_server()
        try:
            holder.append(Rig(server, store, http))
            yield holder[0]
        finally:
            await server.close()


async def test_a_signed_delivery_is_persisted_acknowledged_and_handed_on(rig: Rig) -> None:
    body = envelope()
    assert await rig.post(body) == 200
    [item] = await rig.store.inbox_pending()
    assert item.body == body.decode()
    assert item.received_at == NOW
    assert item.identity.startswith(f"meetings|started|{INSTANCE}")
    assert rig.woken == 1


async def test_a_repeat_is_acknowledged_and_stored_once(rig: Rig) -> None:
    assert await rig.post(envelope()) == 200
    # The same facts with other spacing (and the same webhook id): a repeat.
    again = json.dumps(json.loads(envelope()), indent=2).encode()
    assert await rig.post(again) == 200
    assert len(await rig.store.inbox_pending()) == 1
    assert rig.woken == 1
    # A later change of the same meeting is news.
    assert await rig.post(envelope("ended", end="2026-01-05T09:30:00Z")) == 200
    assert len(await rig.store.inbox_pending()) == 2


@pytest.mark.parametrize("signature", [None, "", "0" * 40, sign(b"another body", SECRET)])
async def test_a_missing_or_wrong_signature_gets_401_and_changes_nothing(
    rig: Rig, signature: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "meetbot.web")
    before = await rig.store.total_changes()
    assert await rig.post(envelope(), signature) == 401
    assert await rig.store.inbox_pending() == []
    assert await rig.store.total_changes() == before
    assert rig.woken == 0
    assert "WEBEX_WEBHOOK_SECRET" in caplog.text
    assert SECRET not in caplog.text


async def test_refusals_are_logged_once_a_minute_with_a_count(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "meetbot.web")
    for _ in range(5):
        assert await rig.post(envelope(), None) == 401
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1


async def test_an_oversized_body_is_refused_unread(rig: Rig) -> None:
    body = envelope(agenda="x" * (70 * 1024))
    assert await rig.post(body) == 413
    assert await rig.store.inbox_pending() == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "WH", "resource": "meetings"}'])
async def test_a_signed_body_that_is_no_envelope_gets_400(rig: Rig, body: bytes) -> None:
    assert await rig.post(body) == 400
    assert await rig.store.inbox_pending() == []


async def test_a_store_that_cannot_take_it_gets_503_so_webex_delivers_again(rig: Rig) -> None:
    await rig.store.close()
    assert await rig.post(envelope()) == 503
    assert rig.woken == 0


async def test_only_post_is_served(rig: Rig) -> None:
    async with rig.http.get(rig.server.make_url(WEBHOOK_PATH)) as r:
        assert r.status == 405


def test_an_endpoint_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookEndpoint(secret="", inbox=_NoInbox(), on_delivery=lambda: None)


class _NoInbox:
    async def inbox_put(self, identity: str, body: str, now: datetime) -> bool:
        raise AssertionError("not reached")
