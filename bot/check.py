"""``python -m bot check``: try the configuration against the real services.

Each check prints one line, ``ok`` or ``FAIL`` with what to fix. It opens the
database as ``run`` does (applying pending migrations, as the next start would,
and taking the SQLite lock, or PostgreSQL's replica lease when it is free, for a
moment), and is read-only elsewhere: GetSite and LstMeetingType on Webex (over
REST: ``GET /people/me`` and ``GET /webhooks``, with the configured token, never
renewed here),
auth.test on Slack (whose ``x-oauth-scopes`` header lists the granted
scopes, compared with :data:`adapters.slack.scopes.REQUIRED_SCOPES`). Exit
status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import urlsplit

from adapters.errors import (
    ChatError,
    ChatTransientError,
    ChatUnauthorizedError,
    ChatUnreachableError,
    CredentialsError,
    RateLimitedError,
    WebexError,
    WebexTransportError,
)
from adapters.slack.client import NO_RETRIES, make_web_client
from adapters.slack.errors import SlackRejectedError
from adapters.slack.identity import bot_identity
from adapters.slack.scopes import REQUIRED_SCOPES, missing_scopes
from adapters.webex.rest.client import RestClient, RestSettings, Tokens
from adapters.webex.rest.feed.hooks import WANTED, plan_hooks
from adapters.webex.xmlapi import XmlApiClient
from bot.config import DEFAULT_SLACK_API_URL, Settings
from bot.runtime import is_shared_database, lease_for, webex_credentials
from state.errors import StoreError, StoreLockedError
from state.store import open_store
from state.store_lease import LeaseUnavailableError

__all__ = ["CheckResult", "run_checks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _webex_fix(error: WebexError) -> str:
    if isinstance(error, CredentialsError):
        return (
            f"the site refused the account ({error.detail}): check WEBEX_SITE_NAME, "
            "WEBEX_ID and WEBEX_PASSWORD / WEBEX_ACCESS_TOKEN. Do not retry in a loop: "
            "repeated failures lock the account"
        )
    if isinstance(error, RateLimitedError) and error.until is not None:
        return f"GetSessionInfo is blocked until {error.until:%H:%M} UTC; wait for it"
    if isinstance(error, WebexTransportError):
        return f"could not reach WEBEX_XML_URL ({error}); check the URL and the network"
    return f"{error}; check that the account may use the XML API on this site"


async def _webex_checks(settings: Settings) -> list[CheckResult]:
    results: list[CheckResult] = []
    async with XmlApiClient(settings.webex_xml_url, webex_credentials(settings)) as client:
        try:
            site = await client.site_capabilities()
        except WebexError as e:
            return [CheckResult(name="Webex GetSite", ok=False, detail=_webex_fix(e))]
        pmr = "lists" if site.supports_return_scheduled_pmr else "does not list"
        results.append(
            CheckResult(
                name="Webex GetSite",
                ok=True,
                detail=f"signed in to {settings.webex_site_name}; the site {pmr} "
                "scheduled Personal Rooms (SupportXMLAPIReturnScheduledPMR)",
            )
        )
        try:
            types = await client.meeting_types()
        except WebexError as e:
            results.append(CheckResult(name="Webex LstMeetingType", ok=False, detail=_webex_fix(e)))
            return results
        private = [t.name for t in types if t.supports_private]
        results.append(
            CheckResult(
                name="Webex LstMeetingType",
                ok=bool(types),
                detail=(
                    f"{len(types)} meeting types; private meetings via {', '.join(private)}"
                    if private
                    else f"{len(types)} meeting types, none supports private meetings: "
                    "'/webex create … private' will be refused until an admin enables one"
                ),
            )
        )
    return results


async def _rest_checks(settings: Settings) -> list[CheckResult]:
    """GET /people/me and GET /webhooks with the configured token, never renewed
    here: a renewal rotates the refresh token, which only the service keeps."""
    token = Tokens(access_token=settings.webex_access_token or "")
    async with RestClient(token, settings=RestSettings(base_url=settings.webex_rest_url)) as webex:
        try:
            me = await webex.me()
        except WebexError as e:
            return [
                CheckResult(name="Webex REST people/me", ok=False, detail=_rest_fix(e, settings))
            ]
        admin = (
            "a full administrator: webhooks org-wide"
            if me.is_full_admin
            else ("not an administrator: the bot sees this user's meetings only")
        )
        results = [
            CheckResult(
                name="Webex REST people/me", ok=True, detail=f"the token is {me.email}'s, {admin}"
            )
        ]
        if settings.webhook_url is None:
            detail = "PUBLIC_URL is not set: no webhooks, the bot polls only"
            return [*results, CheckResult(name="Webex REST webhooks", ok=True, detail=detail)]
        try:
            listing = await webex.list_webhooks(owned_by="org" if me.is_full_admin else None)
        except WebexError as e:
            return [
                *results,
                CheckResult(name="Webex REST webhooks", ok=False, detail=_rest_fix(e, settings)),
            ]
    plan = plan_hooks(listing.items, settings.webhook_url)
    if plan.empty:
        detail = f"all {len(WANTED)} webhooks target {settings.webhook_url} and are active"
    else:
        detail = (
            f"{len(plan.create)} to register, {len(plan.reactivate)} disabled by Webex: the"
            f" service registers and re-activates them at start (target {settings.webhook_url})"
        )
    return [*results, CheckResult(name="Webex REST webhooks", ok=True, detail=detail)]


def _rest_fix(error: WebexError, settings: Settings) -> str:
    if isinstance(error, CredentialsError):
        renew = "; the service renews it with WEBEX_REFRESH_TOKEN" if settings.can_refresh else ""
        return f"Webex refused WEBEX_ACCESS_TOKEN ({error}): it may have expired{renew}"
    if isinstance(error, WebexTransportError):
        return f"could not reach WEBEX_REST_URL ({error}); check the URL and the network"
    return f"{error}; check the token's scopes (meeting:admin_* for an org admin)"


async def _slack_checks(settings: Settings) -> list[CheckResult]:
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url, retries=NO_RETRIES)
    try:
        identity = await bot_identity(client)
    except ChatError as e:
        return [CheckResult(name="Slack auth.test", ok=False, detail=_slack_fix(e, settings))]
    results = [
        CheckResult(
            name="Slack auth.test",
            ok=True,
            detail=f"bot user {identity.user} in workspace {identity.team}",
        )
    ]
    if identity.scopes is None:
        detail = (
            "Slack did not list the granted scopes (no x-oauth-scopes header); "
            "compare the app's OAuth & Permissions page with manifest.yaml"
        )
        return [*results, CheckResult(name="Slack scopes", ok=True, detail=detail)]
    missing = missing_scopes(identity.scopes)
    if not missing:
        detail = f"all {len(REQUIRED_SCOPES)} scopes of manifest.yaml are granted"
        return [*results, CheckResult(name="Slack scopes", ok=True, detail=detail)]
    named = "; ".join(f"{scope} (for {', '.join(methods)})" for scope, methods in missing)
    detail = (
        f"not granted: {named}. Add them under OAuth & Permissions (or paste manifest.yaml "
        "again) and reinstall the app to the workspace"
    )
    return [*results, CheckResult(name="Slack scopes", ok=False, detail=detail)]


def _slack_fix(error: ChatError, settings: Settings) -> str:
    if isinstance(error, ChatUnreachableError):
        return (
            f"could not reach SLACK_API_URL {settings.slack_api_url} ({error}); "
            "check the URL and the network (proxy, firewall, DNS)"
        )
    if isinstance(error, ChatUnauthorizedError):
        return (
            f"Slack refused the token ({error.code}): check SLACK_BOT_TOKEN (the Bot User "
            "OAuth Token, xoxb-…) and that the app is installed in the workspace"
        )
    if isinstance(error, SlackRejectedError) and error.code.startswith("HTTP "):
        return (
            f"SLACK_API_URL {settings.slack_api_url} answered {error.code}, not as the "
            f"Slack Web API does; it should be its root, {DEFAULT_SLACK_API_URL}"
        )
    if isinstance(error, ChatTransientError):
        return f"Slack answered with a server error ({error}); try again in a few minutes"
    return (
        f"{error}; check SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…) "
        "and that the app is installed in the workspace"
    )


async def _database_check(settings: Settings) -> CheckResult:
    """Open the database as ``run`` does (:func:`state.store.open_store`,
    applying pending migrations), then its exclusion as that store has it: the
    SQLite file's lock, or PostgreSQL's replica lease (taken and released at
    once when free)."""
    name = "Database"
    url = settings.database_url
    try:
        async with await open_store(url):
            if is_shared_database(url):
                return await _lease_check(settings)
    except StoreLockedError as e:
        # A running service holds it: expected where check runs beside it.
        return CheckResult(
            name=name,
            ok=True,
            detail=f"in use by a running meetbot (pid {e.holder}); a second `run` on "
            "it would stop at once",
        )
    except StoreError as e:
        fix = (
            "check its host, port, user, password and database name, and that the "
            "server accepts connections from here"
            if is_shared_database(url)
            else "check that its directory exists and that the service's user may write there"
        )
        return CheckResult(name=name, ok=False, detail=f"cannot open DATABASE_URL ({e}); {fix}")
    return CheckResult(
        name=name,
        ok=True,
        detail=f"{url} opens, is migrated and its lock can be taken",
    )


async def _lease_check(settings: Settings) -> CheckResult:
    """The replica lease ``run`` would take on a PostgreSQL database."""
    lease = lease_for(settings)
    assert lease is not None  # a shared database has its lease
    where = f"PostgreSQL {database_place(settings.database_url)}"
    try:
        term = await lease.acquire()
        if term is not None:
            await lease.release(term)
    except LeaseUnavailableError as e:
        return CheckResult(
            name="Database",
            ok=False,
            detail=f"{where} opens and is migrated, but {e}; check that the user may "
            "create and update tables there",
        )
    finally:
        await lease.close()
    lease_state = (
        "the replica lease is free (the first `run` watches, later ones stand by)"
        if term is not None
        else "a running meetbot holds the replica lease (another `run` would stand by)"
    )
    return CheckResult(
        name="Database", ok=True, detail=f"{where} opens, is migrated; {lease_state}"
    )


def database_place(url: str) -> str:
    """Host, port and database of a PostgreSQL URL: never its user or password."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path or '/'}"


async def run_checks(settings: Settings, out: TextIO) -> int:
    """Run every check, print one line each to ``out``; 0 when all passed."""
    if settings.demo:
        out.write(
            "No Slack or Webex settings: `python -m bot run` starts the embedded demo.\n"
            "Set the variables in .env.example to use a real Slack and Webex site.\n"
        )
        return 0
    checks: list[Callable[[], Awaitable[list[CheckResult]]]] = [
        lambda: _one(_database_check(settings)),
        lambda: _rest_checks(settings) if settings.webex_api == "rest" else _webex_checks(settings),
        lambda: _slack_checks(settings),
    ]
    results: list[CheckResult] = []
    for check in checks:
        results.extend(await check())
    out.writelines(f"{'ok  ' if r.ok else 'FAIL'}  {r.name}: {r.detail}\n" for r in results)
    return 0 if all(r.ok for r in results) else 1


async def _one(result: Awaitable[CheckResult]) -> list[CheckResult]:
    return [await result]
