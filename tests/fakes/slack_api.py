"""A fake Slack Web API on loopback that records every call and answers as Slack does.

Start it with :func:`running_fake_slack` (an aiohttp TestServer on 127.0.0.1,
port 0) and point a real ``AsyncWebClient(base_url=fake.api_url)`` at it.
Also serves response URLs (``fake.response_url(name)``) and records what was
posted there.

Like a workspace that installed the app from ``manifest.yaml``, the token holds
the manifest's scopes (``fake.granted``): every answer names them in the
``x-oauth-scopes`` header, and a call whose scope is missing is refused with
``missing_scope``, as Slack refuses it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

BOT_USER_ID = "UBOT"
TEAM_ID = "T0001"

_MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"
#: The bot scopes a workspace grants when the app is installed from the manifest.
MANIFEST_SCOPES: frozenset[str] = frozenset(
    yaml.safe_load(_MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"]
)
#: What Slack's method documentation says each call needs (history: per kind).
_METHOD_SCOPE = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.join": "channels:join",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
}
_HISTORY_SCOPE = {
    "public_channel": "channels:history",
    "private_channel": "groups:history",
    "mpim": "mpim:history",
    "im": "im:history",
}


@dataclass(slots=True)
class Call:
    """One request the fake received."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(slots=True)
class Scripted:
    """A scripted failure for the next ``times`` calls of one method."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1


@dataclass(slots=True)
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gone: dict[str, str] = field(default_factory=dict)
    #: Public channels the bot is not a member of: it may post there
    #: (chat:write.public) but reading history answers not_in_channel until
    #: conversations.join.
    outside: set[str] = field(default_factory=set)
    #: While set, every bot-token call answers this error (e.g. "token_revoked").
    revoked: str | None = None
    scripts: dict[str, list[Scripted]] = field(default_factory=dict)
    base_url: str = ""
    #: Socket Mode: envelopes to push to the next connection, and the acks it sent.
    socket_envelopes: list[dict[str, Any]] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    socket_acked: asyncio.Event = field(default_factory=asyncio.Event)
    #: The token's scopes.
    granted: frozenset[str] = MANIFEST_SCOPES
    #: Conversation kinds (public_channel, private_channel, mpim, im) by id;
    #: unlisted ids go by prefix: D an im, G a private channel, else public.
    kinds: dict[str, str] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- set-up ---------------------------------------------------------------

    def add_user(
        self, user_id: str, *, name: str, email: str | None, tz: str | None = "UTC"
    ) -> None:
        """A user; ``tz`` None leaves the zone out of the profile."""
        profile: dict[str, Any] = {"display_name": name, "real_name": name}
        if email is not None:
            profile["email"] = email
        self.users[user_id] = {"id": user_id, "name": name, "profile": profile}
        if tz is not None:
            self.users[user_id]["tz"] = tz

    def script(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail this way."""
        self.scripts.setdefault(method, []).append(Scripted(status, error, retry_after, times))

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    # -- queries for assertions ----------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        return self.messages.get(channel, [])

    # -- the API ----------------------------------------------------------------

    def kind(self, channel: str) -> str:
        if channel in self.kinds:
            return self.kinds[channel]
        return {"D": "im", "G": "private_channel"}.get(channel[:1], "public_channel")

    def _needed_scope(self, method: str, body: dict[str, Any]) -> str | None:
        """The scope the call needs and the token lacks, or None."""
        needed = _METHOD_SCOPE.get(method)
        if method in ("conversations.history", "conversations.replies"):
            needed = _HISTORY_SCOPE[self.kind(str(body.get("channel", "")))]
        return needed if needed is not None and needed not in self.granted else None

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        result: dict[str, Any] = handler(body)
        return result

    def _channel_ok(self, channel: str) -> dict[str, Any] | None:
        if channel in self.gone:
            return {"ok": False, "error": self.gone[channel]}
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        return None

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "user_id": BOT_USER_ID,
            "bot_id": "B0001",
            "team_id": TEAM_ID,
            "team": "Acme",
            "user": "meetbot",
            "url": "https://acme.slack.test/",
        }

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._channel_ok(channel)) is not None:
            return refusal
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": self._next_ts(),
            "text": body.get("text", ""),
            "blocks": body.get("blocks"),
            "metadata": body.get("metadata"),
            "thread_ts": body.get("thread_ts"),
        }
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._channel_ok(channel)) is not None:
            return refusal
        for message in self.messages.get(channel, []):
            if message["ts"] == body.get("ts"):
                for key in ("text", "blocks", "metadata"):
                    if key in body:
                        message[key] = body[key]
                return {"ok": True, "channel": channel, "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._channel_ok(channel)) is not None:
            return refusal
        return {"ok": True, "message_ts": self._next_ts()}

    def _history(self, messages: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        shown = []
        for message in reversed(messages):  # newest first, as Slack answers
            copy = dict(message)
            if not with_metadata or copy.get("metadata") is None:
                copy.pop("metadata", None)
            shown.append(copy)
        return {
            "ok": True,
            "messages": shown,
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _readable(self, channel: str) -> dict[str, Any] | None:
        if (refusal := self._channel_ok(channel)) is not None:
            return refusal
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _conversations_join(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._channel_ok(channel)) is not None:
            return refusal
        if self.kind(channel) != "public_channel":
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.outside.discard(channel)
        return {"ok": True, "channel": {"id": channel, "is_member": True}}

    def _conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._readable(channel)) is not None:
            return refusal
        top = [m for m in self.messages.get(channel, []) if not m.get("thread_ts")]
        return self._history(top, body)

    def _conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if (refusal := self._readable(channel)) is not None:
            return refusal
        ts = body.get("ts")
        thread = [m for m in self.messages.get(channel, []) if ts in (m["ts"], m.get("thread_ts"))]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        # Slack lists a thread oldest first, parent included.
        return {**self._history(list(reversed(thread)), body)}

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        user = str(body.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + user}}

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(body.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _users_lookupByEmail(self, body: dict[str, Any]) -> dict[str, Any]:
        email = str(body.get("email", "")).lower()
        for user in self.users.values():
            if str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _apps_connections_open(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base_url.replace("http", "ws", 1) + "/socket"}

    def _views_publish(self, body: dict[str, Any]) -> dict[str, Any]:
        if str(body.get("user_id", "")) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "view": {"id": "V0001", **(body.get("view") or {})}}

    # -- HTTP -------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                body.update(json.loads(raw))
            else:
                body.update(parse_qsl(raw.decode(), keep_blank_values=True))
        for key in ("blocks", "metadata", "view"):
            # Form-encoded calls carry structured arguments as JSON strings.
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        self.calls.append(Call(method, body, dict(request.headers)))
        scripted = self.scripts.get(method)
        if scripted:
            step = scripted[0]
            step.times -= 1
            if step.times <= 0:
                scripted.pop(0)
            headers = {"Retry-After": str(step.retry_after)} if step.retry_after is not None else {}
            payload = {
                "ok": False,
                "error": step.error or ("ratelimited" if step.status == 429 else "internal_error"),
            }
            return web.json_response(payload, status=step.status, headers=headers)
        token_kind = "xapp-" if method == "apps.connections.open" else "xoxb-"
        if not request.headers.get("Authorization", "").startswith(f"Bearer {token_kind}"):
            return web.json_response({"ok": False, "error": "not_authed"})
        if self.revoked is not None and token_kind == "xoxb-":
            return web.json_response({"ok": False, "error": self.revoked})
        scopes = {"x-oauth-scopes": ",".join(sorted(self.granted))}
        if (needed := self._needed_scope(method, body)) is not None:
            refusal = {"ok": False, "error": "missing_scope", "needed": needed}
            return web.json_response(refusal, headers=scopes)
        return web.json_response(self._answer(method, body), headers=scopes)

    async def _handle_response(self, request: web.Request) -> web.Response:
        self.responses.setdefault(request.match_info["name"], []).append(await request.json())
        return web.Response(text="ok")

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        for envelope in self.socket_envelopes:
            await ws.send_json(envelope)
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
                self.socket_acked.set()
        return ws

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle_api)
        app.router.add_get("/api/{method}", self._handle_api)
        app.router.add_post("/response/{name}", self._handle_response)
        app.router.add_get("/socket", self._handle_socket)
        return app


@asynccontextmanager
async def running_fake_slack() -> AsyncIterator[FakeSlack]:
    """A started fake on 127.0.0.1 (free port), closed on exit."""
    fake = FakeSlack()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        fake.base_url = str(server.make_url("")).rstrip("/")
        yield fake
    finally:
        await server.close()
