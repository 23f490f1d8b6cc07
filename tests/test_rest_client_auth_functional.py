"""Token renewal against the REST simulator's ``/v1/access_token``: before
expiry, once after a 401, one renewal for concurrent calls, no storm after a
refusal, and the hook that keeps the newest refresh token."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest

from adapters.errors import RestCredentialsError
from adapters.webex.rest.client import OAuthClient, Tokens
from adapters.webex.rest.simulator import RestSite
from tests.restclient import client_on, paths
from tests.restsim import ADMIN, ADMIN_TOKEN, new_site

OAUTH = OAuthClient(client_id="C1d", client_secret="s3cret-of-the-integration")


def _site() -> tuple[RestSite, str]:
    site = new_site()
    site.tokens.add_client(OAUTH.client_id, OAUTH.client_secret)
    return site, site.tokens.issue_refresh_token(OAUTH.client_id, ADMIN, admin=True)


def _form(site: RestSite) -> dict[str, str]:
    (call,) = [c for c in site.calls if c.path == "/v1/access_token"]
    return dict(parse_qsl(call.body.decode(), strict_parsing=True))


async def test_a_401_renews_the_token_once_and_repeats_the_call() -> None:
    site, refresh = _site()
    kept: list[Tokens] = []
    site.tokens.expire(ADMIN_TOKEN)
    tokens = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH, on_tokens=kept.append) as webex:
        assert (await webex.list_meetings()).complete
        in_use = webex.tokens
    assert paths(site) == ["GET /v1/meetings", "POST /v1/access_token", "GET /v1/meetings"]
    assert _form(site) == {
        "grant_type": "refresh_token",
        "client_id": OAUTH.client_id,
        "client_secret": OAUTH.client_secret,
        "refresh_token": refresh,
    }
    assert site.calls[0].authorization == f"Bearer {ADMIN_TOKEN}"
    assert site.calls[2].authorization == f"Bearer {in_use.access_token}"
    assert kept == [in_use]
    assert in_use.refresh_token not in (None, refresh)
    assert in_use.expires_at is not None and in_use.expires_at > datetime.now(UTC)
    assert in_use.refresh_expires_at is not None


async def test_a_token_about_to_expire_is_renewed_before_the_call() -> None:
    site, refresh = _site()
    soon = datetime.now(UTC) + timedelta(minutes=1)
    tokens = Tokens(access_token=ADMIN_TOKEN, expires_at=soon, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH) as webex:
        await webex.list_webhooks()
        await webex.list_webhooks()
    assert paths(site) == ["POST /v1/access_token", "GET /v1/webhooks", "GET /v1/webhooks"]


async def test_a_401_right_after_a_renewal_is_final() -> None:
    site, refresh = _site()
    site.tokens.expire(ADMIN_TOKEN)
    site.tokens.access_lifetime = timedelta(0)  # renewed tokens are dead on arrival
    tokens = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH) as webex:
        with pytest.raises(RestCredentialsError) as caught:
            await webex.list_meetings()
    assert paths(site) == ["GET /v1/meetings", "POST /v1/access_token", "GET /v1/meetings"]
    assert not caught.value.retryable


async def test_concurrent_calls_share_one_renewal() -> None:
    site, refresh = _site()
    site.tokens.expire(ADMIN_TOKEN)
    kept: list[Tokens] = []
    tokens = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH, on_tokens=kept.append) as webex:
        listings = await asyncio.gather(*(webex.list_webhooks() for _ in range(6)))
    assert all(listing.complete for listing in listings)
    assert paths(site).count("POST /v1/access_token") == 1
    assert len(kept) == 1


async def test_a_refused_grant_is_final_and_not_tried_again() -> None:
    site, refresh = _site()
    site.tokens.expire(ADMIN_TOKEN)
    wrong = OAuthClient(client_id=OAUTH.client_id, client_secret="wrong-secret-xyz")
    tokens = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=wrong) as webex:
        for _ in range(3):
            with pytest.raises(RestCredentialsError) as caught:
                await webex.list_meetings()
    assert paths(site).count("POST /v1/access_token") == 1
    assert paths(site).count("GET /v1/meetings") == 3
    text = str(caught.value)
    assert "wrong-secret-xyz" not in text and refresh not in text


async def test_the_kept_tokens_start_a_new_client_where_the_old_refresh_token_fails() -> None:
    site, refresh = _site()
    site.tokens.expire(ADMIN_TOKEN)
    kept: list[Tokens] = []

    async def keep(tokens: Tokens) -> None:
        kept.append(tokens)

    configured = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=configured, oauth=OAUTH, on_tokens=keep) as webex:
        await webex.list_meetings()
    (newest,) = kept
    # A restart from the kept tokens works, renewal included ...
    site.tokens.expire(newest.access_token)
    async with client_on(site, tokens=newest, oauth=OAUTH, on_tokens=keep) as webex:
        assert (await webex.list_meetings()).complete
    assert len(kept) == 2
    # ... while the configured refresh token was used up by the first renewal.
    async with client_on(site, tokens=configured, oauth=OAUTH) as webex:
        with pytest.raises(RestCredentialsError):
            await webex.list_meetings()


async def test_a_failing_hook_does_not_fail_the_call(caplog: pytest.LogCaptureFixture) -> None:
    site, refresh = _site()
    site.tokens.expire(ADMIN_TOKEN)

    def broken(_tokens: Tokens) -> None:
        raise OSError("disk full")

    tokens = Tokens(access_token=ADMIN_TOKEN, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH, on_tokens=broken) as webex:
        assert (await webex.list_meetings()).complete
    assert "could not keep the renewed Webex tokens" in caplog.text


def test_tokens_never_show_in_a_repr() -> None:
    tokens = Tokens(access_token="acc-123", refresh_token="ref-456")
    text = repr(tokens) + repr(OAUTH)
    assert "acc-123" not in text and "ref-456" not in text
    assert OAUTH.client_secret not in text


async def test_a_failed_early_renewal_still_sends_the_call_with_the_old_token() -> None:
    site, refresh = _site()
    site.faults.inject("http503", path="/v1/access_token")
    soon = datetime.now(UTC) + timedelta(minutes=1)
    tokens = Tokens(access_token=ADMIN_TOKEN, expires_at=soon, refresh_token=refresh)
    async with client_on(site, tokens=tokens, oauth=OAUTH) as webex:
        assert (await webex.list_webhooks()).complete
        assert webex.tokens == tokens
        await webex.list_webhooks()  # tries again, and this time it works
        assert webex.tokens != tokens
    assert paths(site) == [
        "POST /v1/access_token",
        "GET /v1/webhooks",
        "POST /v1/access_token",
        "GET /v1/webhooks",
    ]
