"""Slack: the ChatPort implementation, user directory, command responses."""

from adapters.slack.chat import SlackChat
from adapters.slack.client import NO_RETRIES, RetryPolicy, make_web_client
from adapters.slack.directory import SlackDirectory, SlackUser
from adapters.slack.mrkdwn import escape
from adapters.slack.respond import send_response

__all__ = [
    "NO_RETRIES",
    "RetryPolicy",
    "SlackChat",
    "SlackDirectory",
    "SlackUser",
    "escape",
    "make_web_client",
    "send_response",
]
