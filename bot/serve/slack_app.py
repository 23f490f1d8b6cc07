"""The Slack app: bolt's AsyncApp with the ``/webex`` command and App Home.

Every command goes through the one command flow (:mod:`bot.commands.flow`) and
is acknowledged at once: invalid input and ``help`` are answered in the
acknowledgement itself (nothing reaches Webex), everything else is handed to a
task the service owns (:class:`bot.serve.tasks.TaskOwner`) that answers through
the command's ``response_url``. Replies are chat-neutral values, rendered as
mrkdwn and Block Kit by :mod:`adapters.slack.mrkdwn`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.chat import Message, Reply, Visibility, message
from adapters.errors import ChatError
from adapters.slack.directory import SlackDirectory
from adapters.slack.mrkdwn import mrkdwn, page_blocks
from adapters.slack.respond import send_response
from bot.commands.actions import CommandActions, Requester
from bot.commands.flow import CommandFlow, answer_at_once
from bot.commands.grammar import Command
from state.errors import StoreError

__all__ = ["COMMAND", "SlackHandlers", "create_slack_app"]

logger = logging.getLogger("meetbot.slack")

COMMAND = "/webex"
_WORKING = "Working on it…"
_RESTARTING = message("The bot is restarting; please try again in a minute.")


class SlackHandlers:
    """The listeners, separate from bolt so their collaborators are explicit.

    Args:
        actions: carries out commands.
        directory: Slack user profiles (tz, email) and App Home publishing.
        spawn: starts owned background work (``TaskOwner.spawn``).
    """

    def __init__(
        self,
        *,
        actions: CommandActions,
        directory: SlackDirectory,
        spawn: Callable[..., bool],
    ) -> None:
        self._actions = actions
        self._flow = CommandFlow(actions)
        self._directory = directory
        self._spawn = spawn

    async def on_command(
        self, ack: Callable[..., Awaitable[None]], command: dict[str, Any]
    ) -> None:
        parsed = answer_at_once(str(command.get("text", "")))
        if isinstance(parsed, Reply):
            await ack(text=mrkdwn(parsed.body))
            return
        await ack(text=_WORKING)
        user_id = str(command.get("user_id", ""))
        channel_id = str(command.get("channel_id", ""))
        response_url = str(command.get("response_url", ""))

        async def work() -> None:
            await self._answer(parsed, user_id, channel_id, response_url)

        if not self._spawn(work(), name=f"webex-command-{type(parsed).__name__}"):
            await _respond(response_url, _RESTARTING)

    async def _answer(
        self, parsed: Command, user_id: str, channel_id: str, response_url: str
    ) -> None:
        try:
            user = await self._directory.user(user_id)
        except ChatError as e:
            # Most commands need no profile; the actions refuse those that do.
            logger.warning("users.info failed for %s: %s", user_id, e)
            requester = Requester(
                user_id=user_id, channel_id=channel_id, tz=None, profile_read=False
            )
        else:
            requester = Requester(
                user_id=user_id, channel_id=channel_id, tz=user.tz, email=user.email
            )
        reply = await self._flow.carry_out(parsed, requester)
        await _respond(response_url, reply.body, reply.visibility)
        if reply.announcement is not None:
            await _respond(response_url, reply.announcement, Visibility.IN_CHANNEL)

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        self._spawn(self.publish_home(user_id), name="app-home")

    async def publish_home(self, user_id: str) -> None:
        """Publish ``user_id``'s live and upcoming meetings to their App Home."""
        try:
            user = await self._directory.user(user_id)
            page = await self._actions.home(email=user.email, tz=user.tz)
            await self._directory.publish_home(user_id, page_blocks(page))
        except ChatError as e:
            logger.warning("App Home for %s not published: %s", user_id, e)


def _once_per_event(
    first_sighting: FirstSighting,
) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Middleware acting on each Events API ``event_id`` once.

    Slack retries an event it thinks was not acknowledged (``X-Slack-Retry-Num``
    1, 2, 3; over HTTP or Socket Mode), even when the first delivery was acted
    on; the ids are persisted, so a retry after a restart is recognised too.
    A repeat is answered 200 with ``X-Slack-No-Retry: 1``. When the store
    cannot say (it failed), a first delivery is acted on and a retry is not:
    Slack only retries what it already sent once.
    """

    async def middleware(
        body: dict[str, Any], request: AsyncBoltRequest, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not event_id:
            await next()
            return None
        retry = _retry_num(request)
        try:
            first = await first_sighting(event_id)
        except StoreError as e:
            first = retry is None
            logger.warning(
                "could not record Slack event %s (%s); %s",
                event_id,
                e,
                "acting on it" if first else f"not acting on retry {retry}",
            )
        if first:
            await next()
            return None
        logger.info(
            "Slack event %s seen before (retry %s); acknowledged without acting",
            event_id,
            retry or "none",
        )
        return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})

    return middleware


def _retry_num(request: AsyncBoltRequest) -> str | None:
    values = request.headers.get("x-slack-retry-num") or ()
    return str(values[0]) if values else None


async def _respond(
    response_url: str, text: Message, visibility: Visibility = Visibility.EPHEMERAL
) -> None:
    try:
        await send_response(response_url, mrkdwn(text), visibility=visibility.value, escaped=True)
    except ChatError as e:
        logger.warning("response_url answer not delivered: %s", e)


FirstSighting = Callable[[str], Awaitable[bool]]


def create_slack_app(
    *,
    client: AsyncWebClient,
    signing_secret: str,
    handlers: SlackHandlers,
    first_sighting: FirstSighting | None = None,
) -> AsyncApp:
    """The bolt app. Requests without a valid signature, or older than five
    minutes, are refused with 401 before any listener runs.

    ``process_before_response`` is on: listeners only acknowledge and hand off,
    so the HTTP answer is the acknowledgement and nothing runs unowned after it.

    Args:
        first_sighting: records a Slack ``event_id`` and says whether it is
            new (``Store.first_sighting``); repeats are acknowledged without
            acting. None acts on every delivery.
    """
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        request_verification_enabled=True,
        logger=logging.getLogger("meetbot.slack.bolt"),
    )
    if first_sighting is not None:
        app.use(_once_per_event(first_sighting))
    app.command(COMMAND)(handlers.on_command)
    app.event("app_home_opened")(handlers.on_home_opened)

    async def ack_only(ack: Callable[[], Awaitable[None]]) -> None:
        # The Join button opens a URL; Slack still reports the click and wants an ack.
        await ack()

    app.action("join_meeting")(ack_only)
    return app
