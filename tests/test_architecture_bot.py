"""Import rules of bot/: it speaks to the chat and to Webex through the ports.

Replies and cards leave bot/ as chat-neutral values that adapters/slack renders
as mrkdwn and adapters/console as plain text; the commands, the intake and
notifying read the Webex port's values whichever backend is configured. Only
the composition root and the inbound HTTP front end know what is on the other
side.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.import_graph import ROOT, crossings, module_name, within

#: The parts of bot/ that know which chat and which Webex backend are on the
#: other side: the composition root, the checks it runs, the demo it wires, and
#: the inbound HTTP front end (Slack's endpoints).
FRONT = ("bot.__main__", "bot.runtime", "bot.check", "bot.demo", "bot.serve")


def _outside_the_front(forbidden: tuple[str, ...]) -> list[str]:
    return [
        crossing
        for crossing in crossings(("bot",), forbidden)
        if not within(crossing.split(" ")[0], FRONT)
    ]


def test_bot_formats_no_slack_mrkdwn() -> None:
    """Replies and cards leave bot/ as chat-neutral values: adapters/slack renders
    them as mrkdwn and Block Kit, adapters/console as plain text."""
    assert _outside_the_front(("adapters.slack.mrkdwn",)) == []


def test_only_the_front_end_knows_which_chat_is_there() -> None:
    assert _outside_the_front(("adapters.slack", "adapters.console")) == []


#: Slack's own markup: dates, mentions, channel pings and ``<url|label>`` links.
_MRKDWN = re.compile(r"<(?:!date\^|!channel|!here|!everyone|@[UW{]|#[C{])|<(?:https?://|\{\})\S*\|")


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal but docstrings; an f-string with ``{}`` for each field."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(
                "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.append(node.value)
    return found


def test_bot_writes_no_mrkdwn_markup_either() -> None:
    root = ROOT
    markup = sorted(
        f"{module_name(path)}: {text!r}"
        for path in (root / "bot").rglob("*.py")
        if not within(module_name(path), FRONT)
        for text in _strings(ast.parse(path.read_text(encoding="utf-8")))
        if _MRKDWN.search(text)
    )
    assert markup == []


@pytest.mark.parametrize(
    "text",
    ["<!date^{}^{date_short}|{}>", "<@{}>", "<!channel>", "<https://x.test/j|join>", "<{}|{}>"],
)
def test_the_markup_check_sees_slack_markup(text: str) -> None:
    assert _MRKDWN.search(text)


@pytest.mark.parametrize("text", ["a < b", "<html>", "x | y", "Join: https://x.test/j"])
def test_the_markup_check_passes_plain_text(text: str) -> None:
    assert not _MRKDWN.search(text)


def test_the_commands_the_intake_and_notifying_see_webex_only_through_the_port() -> None:
    """Whichever backend is configured, these stages read the port's values and
    raise nothing but its errors: none imports a backend of its own."""
    stages = ("bot.commands", "bot.intake", "bot.notify")
    backends = ("adapters.webex.xmlapi", "adapters.webex.rest", "adapters.webex.simulator")
    assert crossings(stages, (*backends, "adapters.webex.memory")) == []
