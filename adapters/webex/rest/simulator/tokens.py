"""Access tokens, scopes and the OAuth refresh grant of the simulated REST site.

Every API call carries ``Authorization: Bearer <token>``. A token belongs to one
person, is an org full admin's or a user's, has scopes and may expire (by the
site's clock). ``POST /v1/access_token`` with ``grant_type=refresh_token``
trades a refresh token for a new access token *and a new refresh token*; the
old refresh token stops working at once (rotation), access tokens already
issued keep working until they expire.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.webex.simulator.xml.clock import SimClock

from .errors import ApiError

__all__ = ["ADMIN_SCOPES", "USER_SCOPES", "Grant", "TokenError", "Tokens"]

USER_SCOPES = frozenset(
    {
        "spark:all",
        "meeting:schedules_read",
        "meeting:schedules_write",
        "meeting:participants_read",
        "meeting:participants_write",
    }
)
ADMIN_SCOPES = USER_SCOPES | {
    "meeting:admin_schedule_read",
    "meeting:admin_schedule_write",
    "meeting:admin_participants_read",
}

# Cisco's own wording for a missing or unusable token.
UNAUTHORIZED = "The request requires a valid access token set in the Authorization request header."


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """Who a token speaks for, what it may do and until when (None: forever)."""

    email: str
    admin: bool
    scopes: frozenset[str]
    expires_at: datetime | None = None


class TokenError(ApiError):
    """A refused token or grant; ``status`` is the HTTP status to answer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Refresh:
    grant: Grant
    client_id: str
    expires_at: datetime


class Tokens:
    """The site's token registry; times come from ``clock``.

    Args:
        clock: the site's clock.
        access_lifetime: lifetime of tokens issued by the refresh grant.
        refresh_lifetime: lifetime of each refresh token.
    """

    def __init__(
        self,
        clock: SimClock,
        *,
        access_lifetime: timedelta = timedelta(days=14),
        refresh_lifetime: timedelta = timedelta(days=90),
    ) -> None:
        self._clock = clock
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._clients: dict[str, str] = {}

    def add(
        self,
        token: str,
        email: str,
        *,
        admin: bool = False,
        scopes: frozenset[str] | None = None,
        lifetime: timedelta | None = None,
    ) -> Grant:
        """Accept ``token`` for ``email``; default scopes follow ``admin``."""
        expires = None if lifetime is None else self._clock.now() + lifetime
        grant = _grant(email, admin, scopes, expires)
        self._access[token] = grant
        return grant

    def expire(self, token: str) -> None:
        """Make ``token`` expired from now on.

        Raises:
            KeyError: unknown token.
        """
        grant = self._access[token]
        self._access[token] = Grant(
            email=grant.email, admin=grant.admin, scopes=grant.scopes, expires_at=self._clock.now()
        )

    def check(self, authorization: str | None) -> Grant:
        """The grant behind an ``Authorization`` header value.

        Raises:
            TokenError: 401, no bearer token, an unknown one or an expired one.
        """
        scheme, _, token = (authorization or "").partition(" ")
        grant = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            raise TokenError(401, UNAUTHORIZED)
        if grant.expires_at is not None and self._clock.now() >= grant.expires_at:
            raise TokenError(401, UNAUTHORIZED, "The access token has expired.")
        return grant

    def add_client(self, client_id: str, client_secret: str) -> None:
        """Register an OAuth integration that may use the refresh grant."""
        self._clients[client_id] = client_secret

    def issue_refresh_token(
        self,
        client_id: str,
        email: str,
        *,
        admin: bool = False,
        scopes: frozenset[str] | None = None,
    ) -> str:
        """A refresh token for ``email`` through ``client_id`` (what the consent
        flow would have produced).

        Raises:
            KeyError: unknown client.
        """
        if client_id not in self._clients:
            raise KeyError(client_id)
        return self._new_refresh(_grant(email, admin, scopes, None), client_id)

    def refresh(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer ``POST /access_token``: the JSON body of a successful grant.

        Raises:
            TokenError: 400 for a malformed request or an unknown, used or
                expired refresh token; 401 for wrong client credentials.
        """
        if form.get("grant_type") != "refresh_token":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be refresh_token")
        client_id = form.get("client_id", "")
        secret = self._clients.get(client_id)
        if secret is None or not secrets.compare_digest(secret, form.get("client_secret", "")):
            raise TokenError(401, "invalid_client", "The client id or secret is wrong.")
        old = self._refresh.get(form.get("refresh_token", ""))
        now = self._clock.now()
        if old is None or old.client_id != client_id or now >= old.expires_at:
            raise TokenError(400, "invalid_grant", "The refresh token is invalid or expired.")
        del self._refresh[form["refresh_token"]]
        access = secrets.token_urlsafe(32)
        self._access[access] = Grant(
            email=old.grant.email,
            admin=old.grant.admin,
            scopes=old.grant.scopes,
            expires_at=now + self.access_lifetime,
        )
        return {
            "access_token": access,
            "expires_in": int(self.access_lifetime.total_seconds()),
            "refresh_token": self._new_refresh(old.grant, client_id),
            "refresh_token_expires_in": int(self.refresh_lifetime.total_seconds()),
            "token_type": "Bearer",
            "scope": " ".join(sorted(old.grant.scopes)),
        }

    def _new_refresh(self, grant: Grant, client_id: str) -> str:
        token = secrets.token_urlsafe(48)
        expires = self._clock.now() + self.refresh_lifetime
        self._refresh[token] = _Refresh(grant=grant, client_id=client_id, expires_at=expires)
        return token


def _grant(
    email: str, admin: bool, scopes: frozenset[str] | None, expires_at: datetime | None
) -> Grant:
    """A grant whose scopes default to an admin's or a user's."""
    chosen = scopes if scopes is not None else (ADMIN_SCOPES if admin else USER_SCOPES)
    return Grant(email=email, admin=admin, scopes=chosen, expires_at=expires_at)
