"""The REST tokens across restarts (bot/rest_tokens.py): a real store and the
REST simulator, whose refresh tokens stop working once used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.errors import RestCredentialsError
from adapters.webex.rest.client import Tokens
from bot.config import Settings, load_settings
from bot.rest_tokens import keep_tokens, oauth_client, settings_origin, starting_tokens
from state.rest_model import StoredTokens
from state.store import open_store
from tests.restclient import client_on
from tests.restsim import ADMIN, ADMIN_TOKEN, new_site

CLIENT_ID, CLIENT_SECRET = "meetbot-client", "client-secret-value"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def rest_settings(refresh: str | None, access: str = ADMIN_TOKEN) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "WEBEX_API": "rest",
        "WEBEX_ACCESS_TOKEN": access,
    }
    if refresh is not None:
        env |= {
            "WEBEX_CLIENT_ID": CLIENT_ID,
            "WEBEX_CLIENT_SECRET": CLIENT_SECRET,
            "WEBEX_REFRESH_TOKEN": refresh,
        }
    return load_settings(env, env_file=None)


async def test_a_restart_with_the_original_settings_uses_the_kept_tokens(tmp_path: Path) -> None:
    site = new_site()
    site.tokens.add_client(CLIENT_ID, CLIENT_SECRET)
    refresh = site.tokens.issue_refresh_token(CLIENT_ID, ADMIN, admin=True)
    settings = rest_settings(refresh)
    url = f"sqlite:///{tmp_path}/m.db"
    site.tokens.expire(ADMIN_TOKEN)

    async with await open_store(url) as store:
        first = starting_tokens(settings, await store.rest_tokens())
        assert first.refresh_token == refresh
        hook = keep_tokens(store, settings, lambda: NOW)
        async with client_on(
            site, tokens=first, oauth=oauth_client(settings), on_tokens=hook
        ) as webex:
            assert (await webex.list_meetings()).complete
        kept = await store.rest_tokens()
        assert kept is not None
        assert kept.refresh_token not in (None, refresh)
        assert (kept.origin, kept.saved_at) == (settings_origin(settings), NOW)

    # Weeks later: the environment still names the used-up refresh token.
    async with await open_store(url) as store:
        again = starting_tokens(settings, await store.rest_tokens())
        assert again.access_token == kept.access_token
        assert again.refresh_token == kept.refresh_token
        site.tokens.expire(again.access_token)
        hook = keep_tokens(store, settings, lambda: NOW)
        async with client_on(
            site, tokens=again, oauth=oauth_client(settings), on_tokens=hook
        ) as webex:
            assert (await webex.list_meetings()).complete
        newest = await store.rest_tokens()
        assert newest is not None and newest.refresh_token != kept.refresh_token

    # The settings' own refresh token alone no longer works.
    configured = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=configured, oauth=oauth_client(settings)) as webex:
        with pytest.raises(RestCredentialsError):
            await webex.list_meetings()


def test_new_settings_win_over_tokens_kept_for_older_ones() -> None:
    old = rest_settings("old-refresh")
    kept = StoredTokens(
        access_token="renewed-access",
        refresh_token="renewed-refresh",
        origin=settings_origin(old),
        saved_at=NOW,
    )
    assert starting_tokens(old, kept).access_token == "renewed-access"
    pasted = rest_settings("pasted-refresh", access="pasted-access")
    fresh = starting_tokens(pasted, kept)
    assert (fresh.access_token, fresh.refresh_token) == ("pasted-access", "pasted-refresh")


def test_without_an_oauth_client_there_is_nothing_to_renew_with() -> None:
    settings = rest_settings(None)
    assert oauth_client(settings) is None
    assert starting_tokens(settings, None) == Tokens(access_token=ADMIN_TOKEN)
