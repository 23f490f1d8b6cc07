"""The REST backend's tokens across restarts: start from the newest kept set,
keep every renewed one.

Webex rotates refresh tokens: once a renewal hands out a new one, the refresh
token in the environment may stop working. So the client starts from the set
the store kept, as long as that set descends from the tokens the settings
name (the same ``origin``, see :mod:`state.rest_model`); a changed setting (a
new token pasted into the environment) starts over from the settings. Every
renewed set is written to the store before the client uses it.
"""

from __future__ import annotations

from adapters.webex.rest.client import OAuthClient, TokenHook, Tokens
from bot.config import Settings
from state.clock import Clock
from state.rest_model import StoredTokens, token_origin
from state.store_api import Store

__all__ = ["keep_tokens", "oauth_client", "settings_origin", "starting_tokens"]


def settings_origin(settings: Settings) -> str:
    """The fingerprint of the tokens the settings name."""
    return token_origin(settings.webex_access_token, settings.webex_refresh_token)


def oauth_client(settings: Settings) -> OAuthClient | None:
    """The OAuth client that renews the token, when the settings name one."""
    if settings.webex_client_id is None or settings.webex_client_secret is None:
        return None
    return OAuthClient(
        client_id=settings.webex_client_id, client_secret=settings.webex_client_secret
    )


def starting_tokens(settings: Settings, kept: StoredTokens | None) -> Tokens:
    """The kept set while it descends from the settings' tokens, else the settings'.

    Raises:
        ValueError: the settings name no access token (not a REST configuration).
    """
    if kept is not None and kept.origin == settings_origin(settings):
        return Tokens(
            access_token=kept.access_token,
            expires_at=kept.expires_at,
            refresh_token=kept.refresh_token,
            refresh_expires_at=kept.refresh_expires_at,
        )
    if not settings.webex_access_token:
        raise ValueError("the settings name no REST access token")
    return Tokens(
        access_token=settings.webex_access_token, refresh_token=settings.webex_refresh_token
    )


def keep_tokens(store: Store, settings: Settings, clock: Clock) -> TokenHook:
    """The client's ``on_tokens`` hook: write each renewed set to ``store``.

    A store that refuses the write fails the renewal's call (StoreError), so
    a set that could not be kept is not relied on silently.
    """
    origin = settings_origin(settings)

    async def keep(tokens: Tokens) -> None:
        await store.save_rest_tokens(
            StoredTokens(
                access_token=tokens.access_token,
                expires_at=tokens.expires_at,
                refresh_token=tokens.refresh_token,
                refresh_expires_at=tokens.refresh_expires_at,
                origin=origin,
                saved_at=clock(),
            )
        )

    return keep
