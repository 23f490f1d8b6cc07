"""The client's access token, and its renewal with the OAuth refresh grant.

Rules:

1. Without OAuth client credentials and a refresh token, the access token is
   all there is: a 401 is final (:class:`~adapters.errors.RestCredentialsError`).
2. With them, the token is renewed at ``{base}access_token`` (form
   ``grant_type=refresh_token``, ``client_id``, ``client_secret``,
   ``refresh_token``) once less than ``margin`` of its life is left, and once
   after a 401. Webex hands out a new refresh token each time and the old one
   may stop working, so ``on_tokens`` gets every new :class:`Tokens` to keep.
3. One renewal at a time: concurrent calls that met the same 401 wait for the
   one renewal and use its token.
4. A refused grant (400 ``invalid_grant``, 401 ``invalid_client``) is not
   tried again by this keeper: repeating it cannot help.

Tokens never appear in a repr, a log line or an error text.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.errors import RestApiError, RestCredentialsError, WebexDecodeError

__all__ = ["REFRESH_MARGIN", "OAuthClient", "TokenHook", "TokenKeeper", "Tokens", "parse_grant"]

logger = logging.getLogger("meetbot.webex.rest")

#: Renew the access token once less than this is left of its life.
REFRESH_MARGIN = timedelta(minutes=5)

#: Called with each renewed :class:`Tokens`; may be a coroutine function.
TokenHook = Callable[["Tokens"], Awaitable[None] | None]
#: Posts the refresh form and returns the JSON answer (raises typed errors).
GrantCall = Callable[[Mapping[str, str]], Awaitable[Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tokens:
    """An access token and what renews it; times are aware UTC, None when unknown."""

    access_token: str = field(repr=False)
    expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.access_token:
            raise ValueError("access_token must not be empty")
        for name in ("expires_at", "refresh_expires_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthClient:
    """The integration's OAuth credentials (``WEBEX_CLIENT_ID``/``_SECRET``)."""

    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError("client_id and client_secret must not be empty")


def parse_grant(body: Any, now: datetime, previous: Tokens) -> Tokens:
    """The tokens of a refresh answer; a missing ``refresh_token`` keeps the old one.

    Raises:
        WebexDecodeError: no ``access_token`` string, or non-numeric lifetimes.
    """
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise WebexDecodeError("the token answer holds no access_token")

    def after(key: str) -> datetime | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WebexDecodeError(f"the token answer's {key} is not a number")
        return now + timedelta(seconds=value)

    refresh = body.get("refresh_token")
    renewed = isinstance(refresh, str) and bool(refresh)
    return Tokens(
        access_token=body["access_token"],
        expires_at=after("expires_in"),
        refresh_token=refresh if renewed else previous.refresh_token,
        refresh_expires_at=after("refresh_token_expires_in")
        if renewed
        else previous.refresh_expires_at,
    )


class TokenKeeper:
    """Holds the current :class:`Tokens` and renews them (rules above).

    Args:
        tokens: where to start: the configured token, or the newest persisted ones.
        oauth: the integration's credentials; None disables renewal.
        on_tokens: called with every renewed :class:`Tokens`, before they are used.
        now: the wall clock (aware UTC).
        margin: renew once less than this is left.
    """

    def __init__(
        self,
        tokens: Tokens,
        *,
        oauth: OAuthClient | None = None,
        on_tokens: TokenHook | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self._tokens = tokens
        self._oauth = oauth
        self._on_tokens = on_tokens
        self._now = now
        self._margin = margin
        self._lock = asyncio.Lock()
        self._refused = False

    @property
    def tokens(self) -> Tokens:
        """The tokens in use now (read-only)."""
        return self._tokens

    @property
    def can_renew(self) -> bool:
        return self._oauth is not None and bool(self._tokens.refresh_token) and not self._refused

    def due(self) -> bool:
        """True when the access token is about to expire and can be renewed."""
        expires = self._tokens.expires_at
        return self.can_renew and expires is not None and expires - self._now() <= self._margin

    async def renew(self, grant: GrantCall, *, refused: str | None = None) -> Tokens:
        """Renew the tokens, once for all callers.

        Args:
            grant: posts the refresh form.
            refused: the access token a 401 just refused; None for a renewal
                because the token is about to expire.

        Returns:
            The tokens to use: the renewed ones, or those another caller renewed
            meanwhile.

        Raises:
            RestCredentialsError: renewal impossible or refused.
            WebexTransportError: the token endpoint could not be reached (retryable).
        """
        async with self._lock:
            current = self._tokens
            if refused is not None and current.access_token != refused:
                return current  # another call renewed it while this one waited
            if refused is None and not self.due():
                return current
            if not self.can_renew or self._oauth is None or current.refresh_token is None:
                raise RestCredentialsError(
                    401,
                    "the access token was refused and cannot be renewed",
                    operation="access_token",
                )
            form = {
                "grant_type": "refresh_token",
                "client_id": self._oauth.client_id,
                "client_secret": self._oauth.client_secret,
                "refresh_token": current.refresh_token,
            }
            try:
                body = await grant(form)
            except RestApiError as e:
                if e.status not in (400, 401):
                    raise
                self._refused = True
                raise RestCredentialsError(
                    e.status,
                    f"the refresh grant was refused: {e.message}",
                    descriptions=e.descriptions,
                    tracking_id=e.tracking_id,
                    operation="access_token",
                ) from e
            renewed = parse_grant(body, self._now(), current)
            self._tokens = renewed
            logger.info("Webex access token renewed; valid until %s", renewed.expires_at)
            await self._tell(renewed)
            return renewed

    async def _tell(self, tokens: Tokens) -> None:
        if self._on_tokens is None:
            return
        try:
            result = self._on_tokens(tokens)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # The renewed token works either way; only keeping it failed.
            logger.exception("could not keep the renewed Webex tokens")
