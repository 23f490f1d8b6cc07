"""manifest.yaml declares what the code relies on (checked as text: no YAML parser
is a dependency)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import USAGE
from bot.slack_app import COMMAND
from bot.web import EVENTS_PATH

MANIFEST = (Path(__file__).resolve().parent.parent / "manifest.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "scope",
    [
        "commands",
        "chat:write",
        "chat:write.public",
        "users:read",
        "users:read.email",
        "im:write",
        "channels:history",
        "groups:history",
        "im:history",
    ],
)
def test_every_scope_the_code_uses_is_requested(scope: str) -> None:
    assert f"      - {scope}\n" in MANIFEST


def test_command_events_home_and_interactivity() -> None:
    assert f"- command: {COMMAND}\n" in MANIFEST
    assert COMMAND in USAGE
    assert MANIFEST.count(f"{EVENTS_PATH}\n") == 3  # command, events, interactivity
    assert "- app_home_opened\n" in MANIFEST
    assert "home_tab_enabled: true" in MANIFEST
    assert "interactivity:\n    is_enabled: true" in MANIFEST
