"""Settings: read once from the environment (and a ``.env`` file) into one frozen value.

Nothing else in the project reads ``os.environ``. A missing or invalid setting
stops start-up with a :class:`ConfigError` whose message is one line naming the
variable and what it should hold. When no Slack and no Webex variable is set the
settings describe *demo mode* (embedded simulator, console chat).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_SLACK_API_URL",
    "ConfigError",
    "Settings",
    "load_settings",
    "parse_dotenv",
]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///meetbot.db"

_SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")
_WEBEX_VARS = (
    "WEBEX_XML_URL",
    "WEBEX_SITE_NAME",
    "WEBEX_ID",
    "WEBEX_PASSWORD",
    "WEBEX_ACCESS_TOKEN",
)


class ConfigError(ValueError):
    """A setting is missing or invalid. The message names the variable and what it
    should hold, and never contains the value of a secret."""

    def __init__(self, variable: str, expected: str) -> None:
        self.variable = variable
        super().__init__(f"{variable} {expected}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the bot is configured with. Secrets are left out of ``repr``.

    In demo mode the Slack and Webex fields are empty strings.
    """

    demo: bool
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    webex_xml_url: str = ""
    webex_site_name: str = ""
    webex_id: str = ""
    webex_password: str | None = field(default=None, repr=False)
    webex_access_token: str | None = field(default=None, repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    #: False when DATABASE_URL was not set (the demo then keeps its state in a
    #: temporary database instead of the default file).
    database_url_given: bool = False
    #: NO_COLOR is set: the console chat prints without colour.
    no_color: bool = False
    port: int = 3000
    poll_interval_seconds: int = 20
    discovery_interval_seconds: int = 60
    webex_sessioninfo_hourly_budget: int = 500
    log_format: Literal["text", "json"] = "text"
    starting_soon_minutes: int = 10
    waiting_grace_seconds: int = 60

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for the log filter that redacts them."""
        values = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.webex_password,
            self.webex_access_token,
        )
        return tuple(v for v in values if v)

    @property
    def socket_mode(self) -> bool:
        """True when Slack is reached over Socket Mode instead of HTTP events."""
        return self.slack_app_token is not None


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``.env`` text: ``KEY=value`` lines, ``#`` comments, optional ``export``,
    values optionally in single or double quotes (kept verbatim inside).

    Lines that are not assignments are ignored. A later assignment wins.
    """
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            # An unquoted value ends where an inline comment begins.
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Build the settings from ``environ`` (default: the process environment)
    over the values of ``env_file`` (the environment wins).

    Raises:
        ConfigError: a variable is missing or does not hold what it should.
    """
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update(parse_dotenv(env_file.read_text(encoding="utf-8")))
    merged.update(os.environ if environ is None else environ)
    env = {k: v for k, v in merged.items() if v.strip()}

    common = _common(env)
    if not any(name in env for name in _SLACK_VARS + _WEBEX_VARS):
        return common

    password = env.get("WEBEX_PASSWORD")
    access_token = env.get("WEBEX_ACCESS_TOKEN")
    if password is None and access_token is None:
        raise ConfigError("WEBEX_PASSWORD", "must be set (or WEBEX_ACCESS_TOKEN instead)")
    return replace(
        common,
        demo=False,
        slack_bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=_required(env, "SLACK_SIGNING_SECRET", "the app's signing secret"),
        slack_app_token=_token(env, "SLACK_APP_TOKEN", "xapp-")
        if "SLACK_APP_TOKEN" in env
        else None,
        slack_api_url=_url(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL, trailing_slash=True),
        webex_xml_url=_url(env, "WEBEX_XML_URL", None),
        webex_site_name=_required(env, "WEBEX_SITE_NAME", "the Webex site name, e.g. acme"),
        webex_id=_required(env, "WEBEX_ID", "the Webex user ID the bot signs in with"),
        webex_password=password,
        webex_access_token=access_token,
    )


def _common(env: Mapping[str, str]) -> Settings:
    """The settings every mode shares, as demo-mode settings."""
    log_format = env.get("LOG_FORMAT", "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError("LOG_FORMAT", "must be text or json")
    database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith("sqlite:///") or database_url == "sqlite:///":
        raise ConfigError("DATABASE_URL", "must be a sqlite:///path URL, e.g. sqlite:///meetbot.db")
    return Settings(
        demo=True,
        database_url=database_url,
        database_url_given="DATABASE_URL" in env,
        no_color="NO_COLOR" in env,
        port=_int(env, "PORT", 3000, 1, 65535),
        poll_interval_seconds=_int(env, "POLL_INTERVAL_SECONDS", 20, 1, 3600),
        discovery_interval_seconds=_int(env, "DISCOVERY_INTERVAL_SECONDS", 60, 1, 86400),
        webex_sessioninfo_hourly_budget=_int(
            env, "WEBEX_SESSIONINFO_HOURLY_BUDGET", 500, 0, 100_000
        ),
        log_format="json" if log_format == "json" else "text",
        starting_soon_minutes=_int(env, "STARTING_SOON_MINUTES", 10, 0, 1440),
        waiting_grace_seconds=_int(env, "WAITING_GRACE_SECONDS", 60, 0, 3600),
    )


def _required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name)
    if value is None:
        raise ConfigError(name, f"must be set to {what}")
    return value.strip()


def _token(env: Mapping[str, str], name: str, prefix: str) -> str:
    value = _required(env, name, f"a token starting with {prefix}")
    if not value.startswith(prefix):
        raise ConfigError(name, f"must be a token starting with {prefix}")
    return value


def _url(
    env: Mapping[str, str], name: str, default: str | None, *, trailing_slash: bool = False
) -> str:
    value = env.get(name, default)
    if value is None:
        raise ConfigError(name, "must be set to an http(s) URL")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, "must be an http(s) URL")
    url = value.strip()
    if trailing_slash and not url.endswith("/"):
        # slack_sdk joins method names onto base_url without adding a slash.
        url += "/"
    return url


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    expected = f"must be a whole number from {low} to {high}"
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(name, expected) from None
    if not low <= value <= high:
        raise ConfigError(name, expected)
    return value
