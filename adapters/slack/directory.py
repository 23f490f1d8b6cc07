"""Who a Slack user is (time zone, email) and their App Home, via the Web API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import guarded

__all__ = ["SlackDirectory", "SlackUser"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackUser:
    """The parts of ``users.info`` the bot uses. ``email`` is None without the
    users:read.email scope; ``tz`` is an IANA name (Slack's default when unset)."""

    id: str
    name: str
    tz: str
    email: str | None = None


class SlackDirectory:
    """Reads user profiles and publishes App Home views. Raises ChatError only."""

    def __init__(self, client: AsyncWebClient, *, default_tz: str = "UTC") -> None:
        self._client = client
        self._default_tz = default_tz

    async def user(self, user_id: str) -> SlackUser:
        """``users.info`` for ``user_id``."""
        data = await guarded(self._client.users_info(user=user_id), method="users.info")
        user: dict[str, Any] = data.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        email = profile.get("email")
        return SlackUser(
            id=user_id,
            name=str(
                profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
            ),
            tz=str(user.get("tz") or self._default_tz),
            email=str(email) if email else None,
        )

    async def publish_home(self, user_id: str, blocks: list[dict[str, Any]]) -> None:
        """Replace ``user_id``'s App Home tab with ``blocks`` (``views.publish``)."""
        await guarded(
            self._client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks}),
            method="views.publish",
        )
