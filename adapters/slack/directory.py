"""Who a Slack user is (time zone, email) and their App Home, via the Web API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import guarded

__all__ = ["PROFILE_TTL_SECONDS", "SlackDirectory", "SlackUser"]

#: How long a profile read with ``users.info`` is reused. Zones and emails
#: rarely change; a command burst should not cost one call per command.
PROFILE_TTL_SECONDS = 300.0
_CACHED_PROFILES = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackUser:
    """The parts of ``users.info`` the bot uses. ``email`` is None without the
    users:read.email scope; ``tz`` (an IANA name) is None when the profile names
    no zone."""

    id: str
    name: str
    tz: str | None = None
    email: str | None = None


class SlackDirectory:
    """Reads user profiles and publishes App Home views. Raises ChatError only.

    Args:
        client: a client from :func:`adapters.slack.client.make_web_client`.
        ttl: seconds a profile that was read is reused; failures are not kept.
        clock: monotonic seconds, for the ttl.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = PROFILE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        # user id -> (read at, profile); insertion order is age order.
        self._profiles: dict[str, tuple[float, SlackUser]] = {}
        self._reading: dict[str, asyncio.Lock] = {}

    async def user(self, user_id: str) -> SlackUser:
        """``user_id``'s profile: from ``users.info``, or as read within the ttl.
        Concurrent calls for one user share one read."""
        lock = self._reading.setdefault(user_id, asyncio.Lock())
        try:
            async with lock:
                return await self._user(user_id)
        finally:
            if not lock.locked():
                # A waiter already woken keeps its reference; the next caller
                # finds the profile cached.
                self._reading.pop(user_id, None)

    async def _user(self, user_id: str) -> SlackUser:
        now = self._clock()
        cached = self._profiles.get(user_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        data = await guarded(self._client.users_info(user=user_id), method="users.info")
        user: dict[str, Any] = data.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        email = profile.get("email")
        tz = user.get("tz")
        found = SlackUser(
            id=user_id,
            name=str(
                profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
            ),
            tz=str(tz) if tz else None,
            email=str(email) if email else None,
        )
        self._profiles.pop(user_id, None)
        self._profiles[user_id] = (now, found)
        if len(self._profiles) > _CACHED_PROFILES:
            del self._profiles[next(iter(self._profiles))]
        return found

    async def publish_home(self, user_id: str, blocks: list[dict[str, Any]]) -> None:
        """Replace ``user_id``'s App Home tab with ``blocks`` (``views.publish``)."""
        await guarded(
            self._client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks}),
            method="views.publish",
        )
