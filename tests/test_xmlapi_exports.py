"""The client's public names, and that it satisfies both protocols it implements."""

import importlib

import pytest

from adapters.webex.port import WebexMeetings
from adapters.webex.xmlapi import Credentials, XmlApiClient
from adapters.webex.xmlapi.source import XmlSessionSource


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("adapters.webex.xmlapi", {"Credentials", "DATE_SCOPE_ZONE_ID", "XmlApiClient"}),
        (
            "adapters.webex.timezones",
            {"GMT_ZONE_ID", "TimeZoneTable", "UnknownTimeZoneError", "default_table", "iana_name"},
        ),
    ],
)
def test_exported_names(module: str, names: set[str]) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == names
    for name in names:
        assert hasattr(mod, name)


async def test_client_is_both_port_halves_source() -> None:
    credentials = Credentials(site_name="s", webex_id="b", password="secret")
    source: XmlSessionSource = XmlApiClient("http://127.0.0.1:9/WBXService/XMLService", credentials)
    meetings: WebexMeetings = XmlApiClient("http://127.0.0.1:9/WBXService/XMLService", credentials)
    await meetings.close()
    assert "secret" not in repr(meetings)
    assert "secret" not in repr(source) and "secret" not in repr(credentials)


@pytest.mark.parametrize(
    "options",
    [
        {"password": "pw-SECRET", "access_token": "token-SECRET"},
        {},
        {"password": "pw-SECRET", "site_name": " "},
    ],
)
def test_credentials_need_exactly_one_secret(options: dict[str, str]) -> None:
    kwargs = {"site_name": "s", "webex_id": "b", **options}
    with pytest.raises(ValueError) as caught:
        Credentials(**kwargs)
    assert "SECRET" not in str(caught.value)
