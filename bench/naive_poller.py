"""The naive poller: what a first attempt at the bot would do, as bench_e2e's baseline.

``python -m bench.naive_poller``, configured by the service's own variables
(``WEBEX_XML_URL``, ``WEBEX_SITE_NAME``, ``WEBEX_ID``, ``WEBEX_PASSWORD``,
``SLACK_API_URL``, ``SLACK_BOT_TOKEN``, ``POLL_INTERVAL_SECONDS``). At start
one site-wide LstsummarySession over the window the service lists (a day back,
a week ahead) learns every session key; then every poll interval it asks
GetSessionInfo for every known session, in batches at the site's bodyContent
cap, one request in flight (the project's own XML client does both). On each
change of status or hasHostInMeeting it posts ``chat.postMessage`` to channel
C1 naming the meeting's title and "In progress", "host present" or "Ended".

It never learns new sessions and has no budget: on a real site it passes the
GetSessionInfo hourly limit within its first poll, and the site then answers
HTTP 403 for two hours (SessionInfoBlockedError). It keeps running through a
block, and says so, since that is what the comparison shows.

Stdout, for the bench: ``watching <n>`` once the listing is read, then
``blocked <seconds since polling began> <until>`` at each block. SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from adapters.errors import WebexError
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from adapters.webex.xmlapi.models import SessionInfo, SessionRef, SessionStatus
from state.clock import utc_now

CHANNEL = "C1"  # the channel bench_e2e subscribes


@dataclass(frozen=True, slots=True)
class Seen:
    """What one GetSessionInfo said of a session."""

    in_progress: bool
    host: bool


def seen_of(answer: SessionInfo | WebexError) -> Seen:
    """A session's state from its answer; an error (such as 060001 for a
    meeting gone) reads as not in progress."""
    if isinstance(answer, WebexError):
        return Seen(in_progress=False, host=False)
    in_progress = answer.status is SessionStatus.IN_PROGRESS
    return Seen(in_progress=in_progress, host=in_progress and answer.has_host_in_meeting)


def news(before: Seen, now: Seen) -> str | None:
    """The words a message would say of the change from ``before`` to ``now``,
    or None when nothing the bot reports changed."""
    if before.in_progress and not now.in_progress:
        return "Ended"
    if not before.in_progress and now.in_progress:
        return "In progress, host present" if now.host else "In progress"
    if now.in_progress and now.host and not before.host:
        return "In progress, host present"
    return None


async def _poll(webex: XmlApiClient, slack: AsyncWebClient, titles: dict[str, str],
                interval: float, stop: asyncio.Event) -> None:  # fmt: skip
    began = time.monotonic()
    refs = [SessionRef.by_key(k) for k in titles]
    known: dict[str, Seen] | None = None  # the first round is the baseline
    blocked = False
    while not stop.is_set():
        tick = time.monotonic()
        try:
            answers = await webex.get_session_infos(refs)
        except SessionInfoBlockedError as e:
            if not blocked:
                after = time.monotonic() - began
                print(f"blocked {after:.1f} {e.until.isoformat()}", flush=True)
            blocked = True
        else:
            blocked = False
            now = {ref.key or "": seen_of(a) for ref, a in zip(refs, answers, strict=True)}
            for key, state in now.items():
                said = None if known is None else news(known[key], state)
                if said is not None:
                    await slack.chat_postMessage(channel=CHANNEL, text=f"{titles[key]}: {said}")
            known = now
        wait = interval - (time.monotonic() - tick)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)


async def main() -> None:
    env = os.environ
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    credentials = Credentials(
        site_name=env["WEBEX_SITE_NAME"], webex_id=env["WEBEX_ID"], password=env["WEBEX_PASSWORD"]
    )
    slack = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    async with XmlApiClient(env["WEBEX_XML_URL"], credentials) as webex:
        now = utc_now()
        listing = await webex.list_sessions(
            start_from=now - timedelta(hours=24), start_to=now + timedelta(days=7)
        )
        titles = {s.session_key: s.conf_name for s in listing.sessions}
        print(f"watching {len(titles)}", flush=True)
        await _poll(webex, slack, titles, float(env["POLL_INTERVAL_SECONDS"]), stop)


if __name__ == "__main__":
    asyncio.run(main())
