"""Settings: read once from the environment (and a ``.env`` file) into one frozen value.

Nothing else in the project reads ``os.environ``. Missing or invalid settings
stop start-up with one :class:`ConfigError` that lists every problem, one line
each, naming the variable and what it should hold. When no Slack and no Webex variable is set the
settings describe *demo mode* (embedded simulator, console chat); ``WEBEX_API`` alone
picks which Webex API that simulator speaks.

``WEBEX_API`` picks the backend: ``xml`` (the default) reads the XML API
variables, ``rest`` the REST API ones (``WEBEX_REST_URL``, ``WEBEX_ACCESS_TOKEN``,
the optional refresh triple, ``WEBEX_SITE_URL``, ``PUBLIC_URL`` with
``WEBEX_WEBHOOK_SECRET``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from bot.dotenv import parse_dotenv

__all__ = [
    "DEFAULT_SLACK_API_URL",
    "DEFAULT_WEBEX_REST_URL",
    "LIBRARY_VARIABLES",
    "WEBHOOK_PATH",
    "ConfigError",
    "ConfigProblem",
    "Settings",
    "load_settings",
    "parse_dotenv",
    "withhold_from_libraries",
]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///meetbot.db"
DEFAULT_WEBEX_REST_URL = "https://webexapis.com/v1/"
#: Where the front end takes Webex webhook deliveries, below PUBLIC_URL.
WEBHOOK_PATH = "/webex/webhooks"

_SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")
_WEBEX_VARS = (
    "WEBEX_XML_URL",
    "WEBEX_SITE_NAME",
    "WEBEX_ID",
    "WEBEX_PASSWORD",
    "WEBEX_ACCESS_TOKEN",
)
#: The REST backend's variables (WEBEX_ACCESS_TOKEN is shared with the XML one).
_REST_VARS = (
    "WEBEX_REST_URL",
    "WEBEX_CLIENT_ID",
    "WEBEX_CLIENT_SECRET",
    "WEBEX_REFRESH_TOKEN",
    "WEBEX_SITE_URL",
    "PUBLIC_URL",
    "WEBEX_WEBHOOK_SECRET",
)
_REFRESH_VARS = ("WEBEX_CLIENT_ID", "WEBEX_CLIENT_SECRET", "WEBEX_REFRESH_TOKEN")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One variable that is missing or does not hold what it should."""

    variable: str
    expected: str

    def __str__(self) -> str:
        return f"{self.variable} {self.expected}"


class ConfigError(ValueError):
    """Settings are missing or invalid: ``problems`` names every one, in the order
    of ``.env.example``; the message is one line per problem. Never contains the
    value of a secret."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        if not problems:
            raise ValueError("a ConfigError needs at least one problem")
        self.problems = tuple(problems)
        #: The first variable named, for callers that show one.
        self.variable = self.problems[0].variable
        super().__init__("\n".join(str(p) for p in self.problems))


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
    #: Which Webex API the bot speaks (in demo mode: which one its simulator speaks).
    webex_api: Literal["xml", "rest"] = "xml"
    webex_xml_url: str = ""
    webex_site_name: str = ""
    webex_id: str = ""
    webex_password: str | None = field(default=None, repr=False)
    webex_access_token: str | None = field(default=None, repr=False)
    #: The REST API root, ending in a slash.
    webex_rest_url: str = DEFAULT_WEBEX_REST_URL
    #: The OAuth client that refreshes the REST access token: all three or none.
    webex_client_id: str | None = None
    webex_client_secret: str | None = field(default=None, repr=False)
    webex_refresh_token: str | None = field(default=None, repr=False)
    #: The site the REST calls name (``siteUrl``), e.g. ``acme.webex.com``.
    webex_site_url: str | None = None
    #: The bot's public base URL (no trailing slash): webhooks target
    #: ``{public_url}/webex/webhooks``. None: the REST backend polls only.
    public_url: str | None = None
    webex_webhook_secret: str | None = field(default=None, repr=False)
    #: sqlite:///path, or postgresql://user:password@host/db (not in repr: a password).
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
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
            self.webex_client_secret,
            self.webex_refresh_token,
            self.webex_webhook_secret,
            urlsplit(self.database_url).password,
        )
        return tuple(v for v in values if v)

    @property
    def socket_mode(self) -> bool:
        """True when Slack is reached over Socket Mode instead of HTTP events."""
        return self.slack_app_token is not None

    @property
    def can_refresh(self) -> bool:
        """True when the REST access token can be refreshed (the OAuth client is set)."""
        return self.webex_refresh_token is not None

    @property
    def webhook_url(self) -> str | None:
        """Where Webex should deliver webhooks, or None when the bot only polls."""
        return None if self.public_url is None else self.public_url + WEBHOOK_PATH


#: Variables slack_bolt's AsyncApp reads from the environment on its own, even
#: when it is given a client, a token and a secret: SLACK_BOT_TOKEN then only
#: earns the warning "As you gave client as well, token will be unused", and
#: SLACK_CLIENT_ID with SLACK_CLIENT_SECRET would switch it to an OAuth install
#: flow. What the service needs of them it has read into Settings already.
LIBRARY_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_VERIFICATION_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


def withhold_from_libraries(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove :data:`LIBRARY_VARIABLES` from ``environ`` (default: the process
    environment), so no library acts on them behind the settings' back (and no
    child process inherits the secrets). Call once, after :func:`load_settings`.

    Returns the names removed, in :data:`LIBRARY_VARIABLES` order.
    """
    env = os.environ if environ is None else environ
    removed = [name for name in LIBRARY_VARIABLES if name in env]
    for name in removed:
        del env[name]
    return removed


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Build the settings from ``environ`` (default: the process environment)
    over the values of ``env_file`` (the environment wins).

    Raises:
        ConfigError: variables are missing or do not hold what they should; it
            names every one of them, not just the first.
    """
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update(parse_dotenv(env_file.read_text(encoding="utf-8")))
    merged.update(os.environ if environ is None else environ)
    read = _Reader({k: v for k, v in merged.items() if v.strip()})

    settings = _common(read)
    if any(name in read.env for name in _SLACK_VARS + _WEBEX_VARS + _REST_VARS):
        settings = _service(read, settings)
    if read.problems:
        # In the order of .env.example: Slack and Webex first, then the rest.
        order = _SLACK_VARS + ("WEBEX_API",) + _WEBEX_VARS + _REST_VARS
        raise ConfigError(
            sorted(
                read.problems,
                key=lambda p: order.index(p.variable) if p.variable in order else len(order),
            )
        )
    return settings


class _Reader:
    """Reads variables, collecting every problem instead of stopping at the first;
    a variable with a problem reads as its fallback."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[ConfigProblem] = []

    def fail(self, name: str, expected: str) -> None:
        self.problems.append(ConfigProblem(name, expected))

    def required(self, name: str, what: str) -> str:
        value = self.env.get(name)
        if value is None:
            self.fail(name, f"must be set to {what}")
            return ""
        return value.strip()

    def token(self, name: str, prefix: str) -> str:
        if name not in self.env:
            self.fail(name, f"must be set to a token starting with {prefix}")
            return ""
        value = self.env[name].strip()
        if not value.startswith(prefix):
            self.fail(name, f"must be a token starting with {prefix}")
        return value

    def url(self, name: str, default: str | None, *, trailing_slash: bool = False) -> str:
        value = self.env.get(name, default)
        if value is None:
            self.fail(name, "must be set to an http(s) URL")
            return ""
        url = value.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(name, "must be an http(s) URL")
            return ""
        if trailing_slash and not url.endswith("/"):
            # slack_sdk joins method names onto base_url without adding a slash.
            url += "/"
        return url

    def whole(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.env.get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            self.fail(name, f"must be a whole number from {low} to {high}")
            return default
        return value


def _service(read: _Reader, common: Settings) -> Settings:
    """``common`` with the Slack and Webex settings."""
    env = read.env
    slack_app_token = read.token("SLACK_APP_TOKEN", "xapp-") if "SLACK_APP_TOKEN" in env else None
    settings = replace(
        common,
        demo=False,
        slack_bot_token=read.token("SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=read.required("SLACK_SIGNING_SECRET", "the app's signing secret"),
        slack_app_token=slack_app_token,
        slack_api_url=read.url("SLACK_API_URL", DEFAULT_SLACK_API_URL, trailing_slash=True),
    )
    if _webex_api(env) is None:
        return settings  # which backend's variables count is unknown: WEBEX_API says so
    if settings.webex_api == "rest":
        return _rest(read, settings)
    stray = [name for name in _REST_VARS if name in env]
    if stray:
        read.fail("WEBEX_API", f"must be rest for {', '.join(stray)} to count (or remove them)")
    webex_xml_url = read.url("WEBEX_XML_URL", None)
    webex_site_name = read.required("WEBEX_SITE_NAME", "the Webex site name, e.g. acme")
    webex_id = read.required("WEBEX_ID", "the Webex user ID the bot signs in with")
    password = env.get("WEBEX_PASSWORD")
    access_token = env.get("WEBEX_ACCESS_TOKEN")
    if password is None and access_token is None:
        read.fail("WEBEX_PASSWORD", "must be set (or WEBEX_ACCESS_TOKEN instead)")
    return replace(
        settings,
        webex_xml_url=webex_xml_url,
        webex_site_name=webex_site_name,
        webex_id=webex_id,
        webex_password=password,
        webex_access_token=access_token,
    )


def _rest(read: _Reader, settings: Settings) -> Settings:
    """``settings`` with the REST backend's variables (WEBEX_API=rest)."""
    env = read.env
    rest_url = read.url("WEBEX_REST_URL", DEFAULT_WEBEX_REST_URL, trailing_slash=True)
    access_token = read.required(
        "WEBEX_ACCESS_TOKEN", "the REST API access token (Bearer) when WEBEX_API is rest"
    )
    given = [name for name in _REFRESH_VARS if name in env]
    if given:
        for name in _REFRESH_VARS:
            if name not in env:
                read.fail(name, f"must be set too: refreshing the token needs {_REFRESH_NEEDS}")
    site_url = env.get("WEBEX_SITE_URL")
    if site_url is not None:
        site_url = site_url.strip().lower()
        if not _HOST_NAME.fullmatch(site_url):
            read.fail("WEBEX_SITE_URL", "must be the site's host name, e.g. acme.webex.com")
    public_url = None
    if "PUBLIC_URL" in env:
        public_url = read.url("PUBLIC_URL", None).rstrip("/") or None
        if public_url is not None and (urlsplit(public_url).query or "#" in public_url):
            read.fail("PUBLIC_URL", "must be a base URL without a query or fragment")
    secret = env.get("WEBEX_WEBHOOK_SECRET")
    if public_url is not None and secret is None:
        read.fail(
            "WEBEX_WEBHOOK_SECRET",
            "must be set when PUBLIC_URL is: webhook deliveries are signed with it",
        )
    full_refresh = len(given) == len(_REFRESH_VARS)
    return replace(
        settings,
        webex_rest_url=rest_url,
        webex_access_token=access_token,
        webex_client_id=env["WEBEX_CLIENT_ID"].strip() if full_refresh else None,
        webex_client_secret=env["WEBEX_CLIENT_SECRET"].strip() if full_refresh else None,
        webex_refresh_token=env["WEBEX_REFRESH_TOKEN"].strip() if full_refresh else None,
        webex_site_url=site_url,
        public_url=public_url,
        webex_webhook_secret=secret,
    )


_REFRESH_NEEDS = "WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and WEBEX_REFRESH_TOKEN"
#: A host name (labels of letters, digits and inner hyphens), no scheme, no path.
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")


def _webex_api(env: Mapping[str, str]) -> Literal["xml", "rest"] | None:
    """WEBEX_API's value (default xml), None when it is neither."""
    value = env.get("WEBEX_API", "xml").strip().lower()
    return "rest" if value == "rest" else "xml" if value == "xml" else None


def _database_url_ok(url: str) -> bool:
    """sqlite:///<path>, or postgresql:// (postgres://) naming a host."""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            return bool(urlsplit(url).hostname)
        except ValueError:  # e.g. a port that is not a number
            return False
    return url.startswith("sqlite:///") and url != "sqlite:///"


def _common(read: _Reader) -> Settings:
    """The settings every mode shares, as demo-mode settings."""
    env = read.env
    database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not _database_url_ok(database_url):
        read.fail(
            "DATABASE_URL",
            "must be a sqlite:///path URL, e.g. sqlite:///meetbot.db, or a"
            " postgresql://user:password@host/database URL",
        )
        database_url = DEFAULT_DATABASE_URL
    settings = Settings(
        demo=True,
        database_url=database_url,
        database_url_given="DATABASE_URL" in env,
        no_color="NO_COLOR" in env,
        port=read.whole("PORT", 3000, 1, 65535),
        poll_interval_seconds=read.whole("POLL_INTERVAL_SECONDS", 20, 1, 3600),
        discovery_interval_seconds=read.whole("DISCOVERY_INTERVAL_SECONDS", 60, 1, 86400),
        webex_sessioninfo_hourly_budget=read.whole(
            "WEBEX_SESSIONINFO_HOURLY_BUDGET", 500, 0, 100_000
        ),
        starting_soon_minutes=read.whole("STARTING_SOON_MINUTES", 10, 0, 1440),
        waiting_grace_seconds=read.whole("WAITING_GRACE_SECONDS", 60, 0, 3600),
    )
    webex_api = _webex_api(env)
    if webex_api is None:
        read.fail("WEBEX_API", "must be xml or rest")
    settings = replace(settings, webex_api=webex_api or "xml")
    log_format = env.get("LOG_FORMAT", "text").lower()
    if log_format not in ("text", "json"):
        read.fail("LOG_FORMAT", "must be text or json")
    return replace(settings, log_format="json" if log_format == "json" else "text")
