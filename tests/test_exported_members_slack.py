"""The Slack side's modules export exactly the names they mean to."""

from __future__ import annotations

import importlib

import pytest

EXPORTS = {
    "adapters.slack": {
        "NO_RETRIES",
        "RetryPolicy",
        "SlackChat",
        "SlackDirectory",
        "SlackUser",
        "escape",
        "make_web_client",
        "send_response",
    },
    "adapters.slack.scopes": {
        "HISTORY_SCOPES",
        "METHOD_SCOPES",
        "REQUIRED_SCOPES",
        "MethodScopes",
        "missing_scopes",
        "parse_scope_header",
    },
    "adapters.slack.identity": {"BotIdentity", "bot_identity"},
    "bot.config": {
        "DEFAULT_SLACK_API_URL",
        "DEFAULT_WEBEX_REST_URL",
        "WEBHOOK_PATH",
        "LIBRARY_VARIABLES",
        "withhold_from_libraries",
        "ConfigError",
        "ConfigProblem",
        "Settings",
        "load_settings",
        "parse_dotenv",
    },
    "bot.commands.grammar": {
        "COMMAND_NAMES",
        "USAGE",
        "CancelCommand",
        "Command",
        "CommandError",
        "CreateCommand",
        "HelpCommand",
        "ListCommand",
        "StatusCommand",
        "SubscribeCommand",
        "SubscriptionsCommand",
        "UnsubscribeCommand",
        "parse",
    },
    "bot.commands.actions": {"LIST_WINDOW", "CommandActions", "LookupBudget", "Requester"},
    "bot.commands.flow": {"FAILED", "CommandFlow", "answer_at_once"},
    "bot.serve.slack_app": {"COMMAND", "SlackHandlers", "create_slack_app"},
    "bot.serve.web": {
        "EVENTS_PATH",
        "HEALTH_PATH",
        "SETTINGS_KEY",
        "RouteHook",
        "create_web_app",
        "drain_on_shutdown",
        "METRICS_PATH",
        "READY_PATH",
        "metrics_route",
    },
    "bot.serve.tasks": {"TaskOwner"},
    "bot.serve.slack_ingress": {
        "DEFAULT_BODY_TIMEOUT",
        "RefusalLog",
        "SlackEndpoint",
        "events_handler",
        "signature_ok",
    },
    "bot.serve.webex_webhooks": {
        "WebhookEndpoint",
        "WebhookInbox",
        "webhook_handler",
        "webhook_route",
    },
    "bot.serve.slack_requests": {
        "HANDLED_ACTIONS",
        "HANDLED_COMMANDS",
        "Malformed",
        "Verdict",
        "classify",
    },
    "bot.dotenv": {"parse_dotenv"},
    "bot.health": {"ComponentHealth", "FailureStreak", "HealthRegistry", "Status"},
    "bot.serve.socket_mode": {"connect_socket_mode"},
    "bot.commands.when": {
        "DEFAULT_LEAD",
        "MAX_AHEAD",
        "AtClock",
        "AtDateTime",
        "InDelta",
        "StartSpec",
        "StartTimeError",
        "resolve_start",
    },
    "bot.watch.zones": {"user_zone"},
}


@pytest.mark.parametrize("module", sorted(EXPORTS))
def test_exports(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == EXPORTS[module]
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
