"""Settings of the REST backend (WEBEX_API=rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, parse_dotenv

ROOT = Path(__file__).resolve().parent.parent

SLACK = {"SLACK_BOT_TOKEN": "xoxb-secret-bot", "SLACK_SIGNING_SECRET": "signing-secret-value"}
REST = {**SLACK, "WEBEX_API": "rest", "WEBEX_ACCESS_TOKEN": "rest-secret-token"}
REFRESH = {
    "WEBEX_CLIENT_ID": "meetbot-client",
    "WEBEX_CLIENT_SECRET": "client-secret-value",
    "WEBEX_REFRESH_TOKEN": "refresh-secret-value",
}
HOOKS = {"PUBLIC_URL": "https://meetbot.example.com", "WEBEX_WEBHOOK_SECRET": "hook-secret-value"}
NO_TOKEN = (
    "WEBEX_ACCESS_TOKEN must be set to the REST API access token (Bearer) when WEBEX_API is rest"
)
NO_SECRET = (
    "WEBEX_WEBHOOK_SECRET must be set when PUBLIC_URL is: webhook deliveries are signed with it"
)
REST_VARIABLES = ("WEBEX_API", "WEBEX_REST_URL", *REFRESH, "WEBEX_SITE_URL", *HOOKS)


def load(env: dict[str, str]) -> Settings:
    return load_settings(env, env_file=None)


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(env)
    return [str(p) for p in info.value.problems]


def test_rest_needs_only_slack_and_a_token() -> None:
    settings = load(REST)
    assert not settings.demo
    assert settings.webex_api == "rest"
    assert settings.webex_rest_url == "https://webexapis.com/v1/"
    assert settings.webex_access_token == "rest-secret-token"
    assert (settings.webex_xml_url, settings.webex_site_name, settings.webex_id) == ("", "", "")
    assert not settings.can_refresh
    assert settings.webex_client_id is None
    assert settings.webex_site_url is None
    # Without PUBLIC_URL the backend polls only: no webhook target.
    assert settings.public_url is None
    assert settings.webhook_url is None


def test_xml_stays_the_default() -> None:
    assert load({}).webex_api == "xml"
    assert load({"WEBEX_API": " XML "}).webex_api == "xml"


def test_the_demo_picks_the_simulator_by_webex_api_alone() -> None:
    settings = load({"WEBEX_API": "rest"})
    assert settings.demo
    assert settings.webex_api == "rest"


def test_a_full_rest_configuration() -> None:
    settings = load(
        {
            **REST,
            **REFRESH,
            **HOOKS,
            "WEBEX_REST_URL": "http://127.0.0.1:8080/v1",
            "WEBEX_SITE_URL": "Acme.Webex.com",
            "PUBLIC_URL": "https://meetbot.example.com/bots/meetbot/",
        }
    )
    assert settings.webex_rest_url == "http://127.0.0.1:8080/v1/"
    assert settings.can_refresh
    assert (settings.webex_client_id, settings.webex_client_secret) == (
        "meetbot-client",
        "client-secret-value",
    )
    assert settings.webex_refresh_token == "refresh-secret-value"
    assert settings.webex_site_url == "acme.webex.com"
    assert settings.public_url == "https://meetbot.example.com/bots/meetbot"
    assert settings.webhook_url == "https://meetbot.example.com/bots/meetbot/webex/webhooks"
    assert settings.webex_webhook_secret == "hook-secret-value"


def test_rest_secrets_are_redacted_and_kept_out_of_repr() -> None:
    settings = load({**REST, **REFRESH, **HOOKS})
    secrets = {
        "rest-secret-token",
        "client-secret-value",
        "refresh-secret-value",
        "hook-secret-value",
    }
    assert secrets <= set(settings.secrets)
    text = repr(settings)
    assert not [s for s in secrets if s in text]
    assert "meetbot-client" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"WEBEX_ACCESS_TOKEN": ""},
            [NO_TOKEN],
        ),
        ({"WEBEX_API": "soap"}, ["WEBEX_API must be xml or rest"]),
        ({"WEBEX_REST_URL": "webexapis.com/v1"}, ["WEBEX_REST_URL must be an http(s) URL"]),
        (
            {"PUBLIC_URL": "https://meetbot.example.com"},
            [NO_SECRET],
        ),
        ({**HOOKS, "PUBLIC_URL": "meetbot.example.com"}, ["PUBLIC_URL must be an http(s) URL"]),
        (
            {**HOOKS, "PUBLIC_URL": "https://meetbot.example.com/?x=1"},
            ["PUBLIC_URL must be a base URL without a query or fragment"],
        ),
        (
            {"WEBEX_SITE_URL": "https://acme.webex.com"},
            ["WEBEX_SITE_URL must be the site's host name, e.g. acme.webex.com"],
        ),
        (
            {"WEBEX_SITE_URL": "acme"},
            ["WEBEX_SITE_URL must be the site's host name, e.g. acme.webex.com"],
        ),
        (
            {"WEBEX_CLIENT_ID": "meetbot-client"},
            [
                f"{name} must be set too: refreshing the token needs WEBEX_CLIENT_ID,"
                " WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN"
                for name in ("WEBEX_CLIENT_SECRET", "WEBEX_REFRESH_TOKEN")
            ],
        ),
    ],
)
def test_invalid_rest_settings_say_what_to_do(change: dict[str, str], expected: list[str]) -> None:
    found = problems({**REST, **change})
    assert found == expected
    for secret in ("xoxb-secret-bot", "rest-secret-token", "hook-secret-value"):
        assert not [line for line in found if secret in line]


def test_rest_variables_under_xml_point_at_webex_api() -> None:
    xml = {
        **SLACK,
        "WEBEX_XML_URL": "https://acme.webex.com/WBXService/XMLService",
        "WEBEX_SITE_NAME": "acme",
        "WEBEX_ID": "bot",
        "WEBEX_PASSWORD": "pw",
    }
    assert problems({**xml, **HOOKS}) == [
        "WEBEX_API must be rest for PUBLIC_URL, WEBEX_WEBHOOK_SECRET to count (or remove them)"
    ]


def test_a_rest_variable_alone_leaves_the_demo_for_the_service() -> None:
    # Like the XML ones: a half-configured service is reported, not demoed.
    assert problems({"WEBEX_API": "rest", "PUBLIC_URL": "https://meetbot.example.com"}) == [
        "SLACK_BOT_TOKEN must be set to a token starting with xoxb-",
        "SLACK_SIGNING_SECRET must be set to the app's signing secret",
        NO_TOKEN,
        NO_SECRET,
    ]


def test_every_rest_variable_is_documented_in_env_example_and_readme() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # Commented out in .env.example: uncommenting one gives a valid line.
    uncommented = parse_dotenv(example.replace("# ", ""))
    for name in REST_VARIABLES:
        assert name in uncommented, name
        assert f"`{name}`" in readme, name
