"""Who the bot is in Slack, and which scopes its token holds (``auth.test``)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import guarded_with_headers
from adapters.slack.scopes import parse_scope_header

__all__ = ["BotIdentity", "bot_identity"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BotIdentity:
    """``scopes`` is None when the answer did not list them (no ``x-oauth-scopes``
    header, e.g. behind a proxy that drops it)."""

    user: str
    team: str
    scopes: frozenset[str] | None


async def bot_identity(client: AsyncWebClient) -> BotIdentity:
    """``auth.test`` with the client's token. Read-only.

    Raises:
        ChatError: as :func:`adapters.slack.errors.guarded` maps it.
    """
    data, headers = await guarded_with_headers(client.auth_test(), method="auth.test")
    header = headers.get("x-oauth-scopes")
    return BotIdentity(
        user=str(data.get("user") or "?"),
        team=str(data.get("team") or "?"),
        scopes=None if header is None else parse_scope_header(header),
    )
