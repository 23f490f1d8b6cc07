"""Settings from the environment and .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    Settings,
    load_settings,
    parse_dotenv,
    withhold_from_libraries,
)

FULL = {
    "SLACK_BOT_TOKEN": "xoxb-secret-bot",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "WEBEX_XML_URL": "https://acme.webex.com/WBXService/XMLService",
    "WEBEX_SITE_NAME": "acme",
    "WEBEX_ID": "bot",
    "WEBEX_PASSWORD": "webex-secret-pass",
}


def load(env: dict[str, str]) -> Settings:
    return load_settings(env, env_file=None)


def test_nothing_set_is_demo_mode_with_defaults() -> None:
    settings = load({})
    assert settings.demo
    assert settings.port == 3000
    assert settings.database_url == "sqlite:///meetbot.db"
    assert (settings.poll_interval_seconds, settings.discovery_interval_seconds) == (20, 60)
    assert settings.webex_sessioninfo_hourly_budget == 500
    assert (settings.starting_soon_minutes, settings.waiting_grace_seconds) == (10, 60)
    assert settings.log_format == "text"


def test_full_configuration() -> None:
    settings = load(
        {**FULL, "PORT": "8080", "LOG_FORMAT": "JSON", "SLACK_API_URL": "http://127.0.0.1:9/api"}
    )
    assert not settings.demo
    assert not settings.socket_mode
    assert settings.port == 8080
    assert settings.log_format == "json"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.webex_password == "webex-secret-pass"


def test_secrets_stay_out_of_repr() -> None:
    text = repr(load({**FULL, "SLACK_APP_TOKEN": "xapp-secret-app"}))
    for secret in (
        "xoxb-secret-bot",
        "signing-secret-value",
        "webex-secret-pass",
        "xapp-secret-app",
    ):
        assert secret not in text
    assert "acme" in text


def test_secrets_are_listed_for_redaction() -> None:
    assert set(load(FULL).secrets) == {
        "xoxb-secret-bot",
        "signing-secret-value",
        "webex-secret-pass",
    }
    assert load({}).secrets == ()


def test_a_postgresql_url_is_accepted_and_its_password_kept_secret() -> None:
    url = "postgresql://meetbot:db-secret-pass@db.internal:5432/meetbot"
    settings = load({**FULL, "DATABASE_URL": url})
    assert settings.database_url == url
    assert "db-secret-pass" in settings.secrets
    assert "db-secret-pass" not in repr(settings)
    assert load({**FULL, "DATABASE_URL": "postgres://db.internal/m"}).database_url.startswith(
        "postgres://"
    )


def test_access_token_replaces_password() -> None:
    env = {k: v for k, v in FULL.items() if k != "WEBEX_PASSWORD"}
    settings = load({**env, "WEBEX_ACCESS_TOKEN": "tok"})
    assert settings.webex_password is None
    assert settings.webex_access_token == "tok"


@pytest.mark.parametrize(
    ("change", "variable", "fragment"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET", "signing secret"),
        ({"SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL", "http(s) URL"),
        ({"WEBEX_XML_URL": ""}, "WEBEX_XML_URL", "http(s) URL"),
        ({"WEBEX_XML_URL": "ftp://x"}, "WEBEX_XML_URL", "http(s) URL"),
        ({"WEBEX_SITE_NAME": ""}, "WEBEX_SITE_NAME", "site name"),
        ({"WEBEX_ID": ""}, "WEBEX_ID", "user ID"),
        ({"WEBEX_PASSWORD": ""}, "WEBEX_PASSWORD", "WEBEX_ACCESS_TOKEN"),
        ({"PORT": "http"}, "PORT", "whole number from 1 to 65535"),
        ({"PORT": "70000"}, "PORT", "whole number"),
        ({"POLL_INTERVAL_SECONDS": "0"}, "POLL_INTERVAL_SECONDS", "whole number"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "text or json"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", "sqlite:///"),
        ({"DATABASE_URL": "postgresql:///db"}, "DATABASE_URL", "postgresql://"),
    ],
)
def test_invalid_settings_name_the_variable(
    change: dict[str, str], variable: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load({**FULL, **change})
    message = str(info.value)
    assert message.startswith(variable)
    assert fragment in message
    assert "\n" not in message
    assert info.value.variable == variable
    for secret in ("xoxb-secret-bot", "signing-secret-value", "webex-secret-pass"):
        assert secret not in message


def test_every_problem_is_reported_one_line_each_in_env_example_order() -> None:
    with pytest.raises(ConfigError) as info:
        load({"WEBEX_XML_URL": "webex.example", "PORT": "http", "LOG_FORMAT": "xml"})
    assert [p.variable for p in info.value.problems] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "WEBEX_XML_URL",
        "WEBEX_SITE_NAME",
        "WEBEX_ID",
        "WEBEX_PASSWORD",
        "PORT",
        "LOG_FORMAT",
    ]
    lines = str(info.value).splitlines()
    assert lines[2] == "WEBEX_XML_URL must be an http(s) URL"
    assert len(lines) == len(info.value.problems)
    assert info.value.variable == "SLACK_BOT_TOKEN"


def test_a_bad_setting_and_a_missing_one_are_both_named() -> None:
    env = {k: v for k, v in FULL.items() if k != "WEBEX_ID"}
    with pytest.raises(ConfigError) as info:
        load({**env, "SLACK_BOT_TOKEN": "xoxp-user"})
    assert [str(p) for p in info.value.problems] == [
        "SLACK_BOT_TOKEN must be a token starting with xoxb-",
        "WEBEX_ID must be set to the Webex user ID the bot signs in with",
    ]


def test_invalid_common_setting_fails_in_demo_mode_too() -> None:
    with pytest.raises(ConfigError, match="^PORT"):
        load({"PORT": "-1"})


def test_dotenv_parser() -> None:
    text = """\
# comment
export A=1
B="two words # not a comment"
C='single'
D=plain # comment
not an assignment
E=
A=again
"""
    assert parse_dotenv(text) == {
        "A": "again",
        "B": "two words # not a comment",
        "C": "single",
        "D": "plain",
        "E": "",
    }


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nPOLL_INTERVAL_SECONDS=30\n", encoding="utf-8")
    settings = load_settings({"PORT": "5000"}, env_file=env_file)
    assert (settings.port, settings.poll_interval_seconds) == (5000, 30)


def test_the_command_line_prints_every_problem_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)  # no .env here
    for name in (*FULL, "SLACK_APP_TOKEN", "SLACK_API_URL", "WEBEX_ACCESS_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBEX_XML_URL", "webex.example")
    assert main(["check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 6
    assert all(line.startswith("meetbot: configuration error: ") for line in lines)
    assert "meetbot: configuration error: WEBEX_XML_URL must be an http(s) URL" in lines


def test_withhold_from_libraries_removes_what_bolt_would_read_itself() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_APP_TOKEN": "xapp-1",
        "PATH": "/bin",
    }
    assert withhold_from_libraries(env) == ["SLACK_BOT_TOKEN", "SLACK_CLIENT_ID"]
    assert env == {"SLACK_APP_TOKEN": "xapp-1", "PATH": "/bin"}
    assert withhold_from_libraries(env) == []
