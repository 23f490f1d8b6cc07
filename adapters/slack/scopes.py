"""Which Slack scopes the bot needs, and why: one row per Web API method it calls.

This table is the single source: ``manifest.yaml`` requests exactly
:data:`REQUIRED_SCOPES` (``tests/test_manifest.py`` checks the parsed YAML
against it, and that every method the adapter calls has a row), and
``python -m bot check`` compares it with the scopes the workspace granted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "HISTORY_SCOPES",
    "METHOD_SCOPES",
    "REQUIRED_SCOPES",
    "MethodScopes",
    "missing_scopes",
    "parse_scope_header",
]

#: Reading a conversation's history takes the scope of its kind: public
#: channels, private channels, group DMs (mpim) and direct messages (im).
HISTORY_SCOPES = ("channels:history", "groups:history", "mpim:history", "im:history")


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodScopes:
    """``method`` (a Web API method, or the slash command) needs every scope in
    ``scopes``; ``why`` says what for, in the README's words."""

    method: str
    scopes: tuple[str, ...]
    why: str

    def __post_init__(self) -> None:
        if not self.why:
            raise ValueError(f"say why {self.method} is used")


METHOD_SCOPES: tuple[MethodScopes, ...] = (
    MethodScopes(method="/webex", scopes=("commands",), why="the slash command"),
    MethodScopes(
        method="chat.postMessage",
        scopes=("chat:write", "chat:write.public"),
        why="cards, thread replies and direct messages; public channels without an invitation",
    ),
    MethodScopes(method="chat.update", scopes=("chat:write",), why="cards edited in place"),
    MethodScopes(method="conversations.open", scopes=("im:write",), why="direct messages to hosts"),
    MethodScopes(
        method="conversations.history",
        scopes=HISTORY_SCOPES,
        why="after a crash, finding a message that was posted but not recorded",
    ),
    MethodScopes(
        method="conversations.replies",
        scopes=HISTORY_SCOPES,
        why="the same, for thread replies, and the delivery keys of a card",
    ),
    MethodScopes(
        method="conversations.join",
        scopes=("channels:join",),
        why="reading a public channel the bot posts to without being a member",
    ),
    MethodScopes(
        method="users.info",
        scopes=("users:read", "users:read.email"),
        why="the requester's time zone and email (the host check for cancel)",
    ),
    MethodScopes(
        method="users.lookupByEmail",
        scopes=("users:read.email",),
        why="the Slack user of a Webex host, for direct messages",
    ),
    MethodScopes(method="views.publish", scopes=(), why="the App Home tab"),
    MethodScopes(method="auth.test", scopes=(), why="who the bot is; the scopes granted"),
)

#: Every scope the bot requests, derived from the table.
REQUIRED_SCOPES = frozenset(scope for row in METHOD_SCOPES for scope in row.scopes)


def parse_scope_header(value: str | None) -> frozenset[str]:
    """The scopes in an ``x-oauth-scopes`` response header (comma-separated)."""
    return frozenset(s.strip() for s in (value or "").split(",") if s.strip())


def missing_scopes(granted: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Each required scope not in ``granted``, with the methods that need it,
    sorted by scope."""
    have = frozenset(granted)
    return [
        (scope, tuple(row.method for row in METHOD_SCOPES if scope in row.scopes))
        for scope in sorted(REQUIRED_SCOPES - have)
    ]
