"""Answers to a slash command through its ``response_url``."""

from __future__ import annotations

from typing import Literal

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.errors import ChatRejectedError, ChatTransientError
from adapters.slack.mrkdwn import escape

__all__ = ["send_response"]


async def send_response(
    response_url: str,
    text: str,
    *,
    visibility: Literal["ephemeral", "in_channel"] = "ephemeral",
    escaped: bool = False,
) -> None:
    """Post ``text`` to a slash command's ``response_url``.

    Args:
        response_url: from the command payload (valid 30 minutes, 5 uses).
        text: the answer; escaped for mrkdwn unless ``escaped`` says it already is.
        visibility: "ephemeral" (only the requester sees it) or "in_channel".

    Raises:
        ChatTransientError: the URL could not be reached or answered 5xx.
        ChatRejectedError: Slack refused the answer (e.g. the URL expired).
    """
    client = AsyncWebhookClient(url=response_url, timeout=15)
    body = {"text": text if escaped else escape(text), "response_type": visibility}
    try:
        response = await client.send_dict(body)
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as e:
        raise ChatTransientError(f"response_url: {type(e).__name__}") from e
    if response.status_code >= 500:
        raise ChatTransientError(f"response_url: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise ChatRejectedError(f"response_url: HTTP {response.status_code}")
