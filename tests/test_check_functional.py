"""`python -m bot check` against a simulated site, the fake Slack and a real
database file: one line per check, and for each failure the fix that fits it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.slack.scopes import REQUIRED_SCOPES
from adapters.webex.simulator import SimClock, SimulatedSite, example_site
from bot.check import run_checks
from bot.config import load_settings
from state.store import Store
from state.store_lease import PgLease
from tests.fakes.net import free_port
from tests.fakes.sim import running_site
from tests.fakes.slack_api import MANIFEST_SCOPES, FakeSlack, running_fake_slack
from tests.rawsql import raw
from tests.restsim import ADMIN as REST_ADMIN
from tests.restsim import new_site as new_rest_site
from tests.restsim import running as rest_running

BOT_TOKEN = "xoxb-check-bot-token-5e1d"
WEBEX_PASSWORD = "check-admin-pass-31b7"
REST_TOKEN = "check-rest-token-7a1c"


@dataclass
class World:
    site: SimulatedSite
    slack: FakeSlack
    env: dict[str, str]

    async def check(self, **changes: str) -> tuple[int, list[str]]:
        out = io.StringIO()
        code = await run_checks(load_settings({**self.env, **changes}, env_file=None), out)
        text = out.getvalue()
        assert BOT_TOKEN not in text and WEBEX_PASSWORD not in text
        return code, text.splitlines()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    site = example_site(clock=SimClock(speed=1.0), admin_password=WEBEX_PASSWORD)
    async with running_site(site) as (_server, site_url), running_fake_slack() as slack:
        yield World(
            site,
            slack,
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": "check-signing-secret",
                "SLACK_API_URL": slack.api_url,
                "WEBEX_XML_URL": site_url,
                "WEBEX_SITE_NAME": "acme",
                "WEBEX_ID": "admin",
                "WEBEX_PASSWORD": WEBEX_PASSWORD,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'meetbot.db'}",
            },
        )


def line(lines: list[str], name: str) -> str:
    (found,) = [x for x in lines if x[6:].startswith(f"{name}:")]
    return found


async def test_demo_mode_reports_how_to_start_it() -> None:
    """With no credentials, `check` explains the embedded default instead of failing."""
    out = io.StringIO()
    assert await run_checks(load_settings({}, env_file=None), out) == 0
    assert "demo" in out.getvalue()


async def test_everything_in_order(world: World, tmp_path: Path) -> None:
    code, lines = await world.check()
    assert code == 0, lines
    assert [x.split(":")[0] for x in lines] == [
        "ok    Database",
        "ok    Webex GetSite",
        "ok    Webex LstMeetingType",
        "ok    Slack auth.test",
        "ok    Slack scopes",
    ]
    assert "PRIVATE" in line(lines, "Webex LstMeetingType")
    assert f"all {len(REQUIRED_SCOPES)} scopes of manifest.yaml" in line(lines, "Slack scopes")
    # The database was created and migrated as `run` would; the lock went with the check.
    async with await Store.open(world.env["DATABASE_URL"]) as store:
        assert await store.subscriptions() == []


async def test_a_wrong_webex_password_is_tried_once(world: World) -> None:
    code, lines = await world.check(WEBEX_PASSWORD="not-it")
    assert code == 1
    assert line(lines, "Webex GetSite").startswith("FAIL")
    assert "WEBEX_PASSWORD" in line(lines, "Webex GetSite")
    assert "not-it" not in "\n".join(lines)
    # Credentials are never retried: one refused GetSite, nothing more.
    assert world.site.request_count("GetSite") == 1


async def test_an_unreachable_slack_names_the_url_not_the_token(world: World) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    code, lines = await world.check(SLACK_API_URL=nowhere)
    assert code == 1
    slack = line(lines, "Slack auth.test")
    assert slack.startswith("FAIL") and f"could not reach SLACK_API_URL {nowhere}" in slack
    assert "SLACK_BOT_TOKEN" not in slack


async def test_a_url_that_is_not_the_web_api_says_so(world: World) -> None:
    code, lines = await world.check(SLACK_API_URL=world.slack.base_url + "/elsewhere/")
    assert code == 1
    slack = line(lines, "Slack auth.test")
    assert "answered HTTP 404" in slack and "https://slack.com/api/" in slack


async def test_a_refused_token_names_the_token(world: World) -> None:
    world.slack.script("auth.test", error="invalid_auth")
    code, lines = await world.check()
    assert code == 1
    slack = line(lines, "Slack auth.test")
    assert "invalid_auth" in slack and "check SLACK_BOT_TOKEN" in slack


async def test_scopes_the_workspace_did_not_grant_are_named(world: World) -> None:
    world.slack.granted = MANIFEST_SCOPES - {"mpim:history", "im:write"}
    code, lines = await world.check()
    assert code == 1
    scopes = line(lines, "Slack scopes")
    assert scopes.startswith("FAIL")
    assert "im:write (for conversations.open)" in scopes
    assert "mpim:history (for conversations.history, conversations.replies)" in scopes
    assert "reinstall" in scopes
    assert line(lines, "Slack auth.test").startswith("ok")


async def test_a_database_that_cannot_be_opened_is_a_failure(world: World, tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("", encoding="utf-8")
    code, lines = await world.check(DATABASE_URL=f"sqlite:///{tmp_path / 'not-a-dir' / 'm.db'}")
    assert code == 1
    database = line(lines, "Database")
    assert database.startswith("FAIL") and "cannot open DATABASE_URL" in database


async def test_a_database_in_use_by_the_service_is_reported_not_failed(world: World) -> None:
    async with await Store.open(world.env["DATABASE_URL"]):
        code, lines = await world.check()
    assert code == 0, lines
    assert "in use by a running meetbot (pid " in line(lines, "Database")


async def test_a_postgresql_database_is_opened_migrated_and_its_lease_tried(
    world: World, postgres_url: str
) -> None:
    assert await raw(postgres_url, "SELECT to_regclass('meetings') IS NULL") == [(True,)]
    code, lines = await world.check(DATABASE_URL=postgres_url)
    assert code == 0, lines
    database = line(lines, "Database")
    assert database.startswith("ok") and "PostgreSQL 127.0.0.1:" in database
    assert "the replica lease is free" in database
    # Migrated as `run` would; the lease was taken for a moment and given back.
    assert await raw(postgres_url, "SELECT to_regclass('meetings') IS NULL") == [(False,)]
    lease = PgLease(postgres_url, ttl=60)
    try:
        assert await lease.acquire() is not None
    finally:
        await lease.close()


async def test_a_postgresql_lease_a_running_replica_holds_is_reported_not_failed(
    world: World, postgres_url: str
) -> None:
    lease = PgLease(postgres_url, ttl=60)
    try:
        term = await lease.acquire()
        assert term is not None
        code, lines = await world.check(DATABASE_URL=postgres_url)
        assert await lease.renew(term) is not None  # still the holder's
    finally:
        await lease.close()
    assert code == 0, lines
    assert "a running meetbot holds the replica lease" in line(lines, "Database")


async def test_an_unreachable_postgresql_fails_without_echoing_the_password(
    world: World,
) -> None:
    url = f"postgresql://meetbot:pg-secret-9f2@127.0.0.1:{free_port()}/meetbot"
    code, lines = await world.check(DATABASE_URL=url)
    assert code == 1
    database = line(lines, "Database")
    assert database.startswith("FAIL") and "cannot open DATABASE_URL" in database
    assert "host, port, user, password" in database
    assert "pg-secret-9f2" not in "\n".join(lines)


async def test_over_rest_the_token_and_the_webhooks_are_checked(world: World) -> None:
    site = new_rest_site()
    site.tokens.add(REST_TOKEN, REST_ADMIN, admin=True)
    async with rest_running(site) as api:
        rest = {
            k: v
            for k, v in world.env.items()
            if not k.startswith("WEBEX_") or k == "WEBEX_ACCESS_TOKEN"
        }
        rest |= {
            "WEBEX_API": "rest",
            "WEBEX_REST_URL": api.base,
            "WEBEX_ACCESS_TOKEN": REST_TOKEN,
            "PUBLIC_URL": "https://meetbot.example.com",
            "WEBEX_WEBHOOK_SECRET": "check-hook-secret",
        }
        out = io.StringIO()
        code = await run_checks(load_settings(rest, env_file=None), out)
        lines = out.getvalue().splitlines()
        assert code == 0, lines
        assert "the token is admin@acme.example's, a full administrator" in line(
            lines, "Webex REST people/me"
        )
        assert "7 to register, 0 disabled" in line(lines, "Webex REST webhooks")
        assert not [x for x in lines if "GetSite" in x]
        site.tokens.expire(REST_TOKEN)
        out = io.StringIO()
        assert await run_checks(load_settings(rest, env_file=None), out) == 1
        refused = line(out.getvalue().splitlines(), "Webex REST people/me")
        assert refused.startswith("FAIL") and "WEBEX_ACCESS_TOKEN" in refused
        assert REST_TOKEN not in out.getvalue()
