"""``python -m bot --help`` names every command with a line of help, and each
command has its own ``--help``."""

from __future__ import annotations

import pytest

from bot.__main__ import COMMANDS, _arguments, main


def test_help_lists_every_command_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for name, (short, _long) in COMMANDS.items():
        assert f"{name} {short}" in out
    assert ".env.example" in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_has_its_own_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m bot {command}")
    assert " ".join(COMMANDS[command][1].split()) in " ".join(out.split())


def test_no_command_means_run() -> None:
    assert _arguments([]).command == "run"
    assert _arguments(["check"]).command == "check"


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve"])
    assert exited.value.code == 2
    assert "invalid choice: 'serve'" in capsys.readouterr().err
