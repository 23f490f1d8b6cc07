"""``python -m bot check``: try the configuration against the real services.

Each check prints one line, ``ok`` or ``FAIL`` with what to fix. Read-only:
it calls GetSite and LstMeetingType on Webex and auth.test on Slack, nothing
that changes either side. Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from adapters.errors import (
    ChatError,
    CredentialsError,
    SessionInfoBlockedError,
    WebexError,
    WebexTransportError,
)
from adapters.slack.client import make_web_client
from adapters.slack.errors import guarded
from adapters.webex.xmlapi import XmlApiClient
from bot.config import Settings
from bot.runtime import webex_credentials

__all__ = ["CheckResult", "run_checks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _webex_fix(error: WebexError) -> str:
    if isinstance(error, CredentialsError):
        return (
            f"the site refused the account ({error.exception_id}): check WEBEX_SITE_NAME, "
            "WEBEX_ID and WEBEX_PASSWORD / WEBEX_ACCESS_TOKEN. Do not retry in a loop: "
            "repeated failures lock the account"
        )
    if isinstance(error, SessionInfoBlockedError):
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


async def _slack_check(settings: Settings) -> CheckResult:
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    try:
        answer = await guarded(client.auth_test(), method="auth.test")
    except ChatError as e:
        return CheckResult(
            name="Slack auth.test",
            ok=False,
            detail=f"{e}; check SLACK_BOT_TOKEN (Bot User OAuth Token, xoxb-…) "
            "and that the app is installed in the workspace",
        )
    return CheckResult(
        name="Slack auth.test",
        ok=True,
        detail=f"bot user {answer.get('user', '?')} in workspace {answer.get('team', '?')}",
    )


async def run_checks(settings: Settings, out: TextIO) -> int:
    """Run every check, print one line each to ``out``; 0 when all passed."""
    if settings.demo:
        out.write(
            "No Slack or Webex settings: `python -m bot run` starts the embedded demo.\n"
            "Set the variables in .env.example to use a real Slack and Webex site.\n"
        )
        return 0
    checks: list[Callable[[], Awaitable[list[CheckResult]]]] = [
        lambda: _webex_checks(settings),
        lambda: _one(_slack_check(settings)),
    ]
    results: list[CheckResult] = []
    for check in checks:
        results.extend(await check())
    out.writelines(f"{'ok  ' if r.ok else 'FAIL'}  {r.name}: {r.detail}\n" for r in results)
    return 0 if all(r.ok for r in results) else 1


async def _one(result: Awaitable[CheckResult]) -> list[CheckResult]:
    return [await result]
