"""The /webex grammar, table-driven: text in, command or error out."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given

from adapters.webex.models import ExternalAttendeeSecurity as Sec
from bot.commands.grammar import (
    USAGE,
    CancelCommand,
    CommandError,
    CreateCommand,
    HelpCommand,
    ListCommand,
    StatusCommand,
    SubscribeCommand,
    SubscriptionsCommand,
    UnsubscribeCommand,
    parse,
)
from bot.commands.when import AtClock, AtDateTime, InDelta
from state.model import EventKind, Scope
from tests.strategies import COMMAND_TEXTS

VALID = [
    ("", HelpCommand()),
    ("help", HelpCommand()),
    ("  HELP  ", HelpCommand()),
    ("list", ListCommand()),
    ("subscriptions", SubscriptionsCommand()),
    ("create Standup", CreateCommand(title="Standup")),
    ("create Weekly team sync", CreateCommand(title="Weekly team sync")),
    ("create Standup in 30m", CreateCommand(title="Standup", start=InDelta(minutes=30))),
    ("create Standup in 2h", CreateCommand(title="Standup", start=InDelta(minutes=120))),
    ("create Standup in 5 min", CreateCommand(title="Standup", start=InDelta(minutes=5))),
    ("create Standup at 09:05", CreateCommand(title="Standup", start=AtClock(at=time(9, 5)))),
    ("create Standup at 9:05", CreateCommand(title="Standup", start=AtClock(at=time(9, 5)))),
    (
        "create Standup at 2026-12-01 17:30",
        CreateCommand(title="Standup", start=AtDateTime(day=date(2026, 12, 1), at=time(17, 30))),
    ),
    ("create Standup for 45m", CreateCommand(title="Standup", duration_minutes=45)),
    ("create Standup for 2h", CreateCommand(title="Standup", duration_minutes=120)),
    ("create Board private", CreateCommand(title="Board", private=True)),
    ("create Board autolock 0", CreateCommand(title="Board", auto_lock_minutes=0)),
    ("create Board autolock 20", CreateCommand(title="Board", auto_lock_minutes=20)),
    (
        "create Board lobby",
        CreateCommand(title="Board", external_attendee_security=Sec.ALLOW_JOIN_WITH_LOBBY),
    ),
    (
        "create Board block",
        CreateCommand(title="Board", external_attendee_security=Sec.BLOCK_FROM_JOIN),
    ),
    ("create Board allow", CreateCommand(title="Board", external_attendee_security=Sec.ALLOW_JOIN)),
    (
        'create "Check in with Bob" in 10m for 30m private autolock 5 lobby',
        CreateCommand(
            title="Check in with Bob",
            start=InDelta(minutes=10),
            duration_minutes=30,
            private=True,
            auto_lock_minutes=5,
            external_attendee_security=Sec.ALLOW_JOIN_WITH_LOBBY,
        ),
    ),
    (
        "create \u201cPrivate at noon\u201d private",
        CreateCommand(title="Private at noon", private=True),
    ),
    ('create \u201cmixed quotes" for 1h', CreateCommand(title="mixed quotes", duration_minutes=60)),
    ("create Q&amp;A &lt;!channel&gt;", CreateCommand(title="Q&A <!channel>")),
    ("CREATE Standup PRIVATE", CreateCommand(title="Standup", private=True)),
    ("status 123456789", StatusCommand(key="123456789")),
    ("status 2345 678 901", StatusCommand(key="2345678901")),
    ("cancel 123-456-789", CancelCommand(key="123456789")),
    ("subscribe all", SubscribeCommand(scope=Scope.ALL, target=None)),
    ("subscribe host alice", SubscribeCommand(scope=Scope.HOST, target="alice")),
    (
        "subscribe host <mailto:alice@acme.test|alice@acme.test>",
        SubscribeCommand(scope=Scope.HOST, target="alice@acme.test"),
    ),
    (
        "subscribe meeting 123456789 events started, ended",
        SubscribeCommand(
            scope=Scope.MEETING,
            target="123456789",
            kinds=frozenset({EventKind.STARTED, EventKind.ENDED}),
        ),
    ),
    (
        "subscribe all events starting-soon",
        SubscribeCommand(scope=Scope.ALL, target=None, kinds=frozenset({EventKind.STARTING_SOON})),
    ),
    ("unsubscribe all", UnsubscribeCommand(scope=Scope.ALL, target=None)),
    (
        "unsubscribe host bob@acme.test",
        UnsubscribeCommand(scope=Scope.HOST, target="bob@acme.test"),
    ),
    ("unsubscribe meeting 123456789", UnsubscribeCommand(scope=Scope.MEETING, target="123456789")),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_commands(text: str, expected: object) -> None:
    assert parse(text) == expected


INVALID = [
    ("frobnicate", "Unknown command"),
    ('"create" x', "Unknown command"),
    ("help me", "takes nothing"),
    ("create", "needs a title"),
    ("create in 5m", "needs a title"),
    ('create "" in 5m', "needs a title"),
    ('create "Unclosed', "not closed"),
    ("create Check in with Bob", "quote the title"),
    ("create x in", "`in` needs a number"),
    ("create x in 0m", "at least one minute"),
    ("create x in soon", "`in` needs a number"),
    ("create x at 25:00", "24-hour time"),
    ("create x at 9", "24-hour time"),
    ("create x at 2026-02-30 10:00", "not a date"),
    ("create x at 2026-12-01", "24-hour time"),
    ("create x in 5m at 10:00", "twice"),
    ("create x private private", "twice"),
    ("create x lobby block", "twice"),
    ("create x for 25h", "at most 24h"),
    ("create x autolock 7", "0|5|10|15|20"),
    ("create x autolock", "0|5|10|15|20"),
    ('create "x" extra words', "don't understand"),
    ("create " + "t" * 129, "at most 128"),
    ("status", "needs a meeting key"),
    ("status abc", "needs a meeting key"),
    ("cancel 12", "needs a meeting key"),
    ("subscribe", "needs what to follow"),
    ("subscribe everything", "follows all, host"),
    ("subscribe host", "needs a Webex user ID"),
    ("subscribe meeting", "needs a meeting key"),
    ("subscribe all events", "events <kind,kind>"),
    ("subscribe all events exploded", "Unknown event kind"),
    ("subscribe all now", "events <kind,kind>"),
    ("unsubscribe meeting 123456789 events started", "only its target"),
    ("crate Standup", "Did you mean `create`?"),
    ("SUBSCRIBTIONS", "Did you mean `subscriptions`?"),
    ("unsubscrbe all", "Did you mean `unsubscribe`?"),
    ("stauts 123456789", "Did you mean `status`?"),
    ("subscribe al", "Did you mean `all`?"),
    ("subscribe all events strated", "Unknown event kind `strated`. Did you mean `started`?"),
    ("subscribe all events started,hots_joined", "Did you mean `host_joined`?"),
    (
        'create "Sync" in 30m privte',
        "I don't understand `privte` after the title. Did you mean `private`?",
    ),
    ('create "Sync" autolok 5', "Did you mean `autolock`?"),
    ("status 123", "6 to 12 digits (`123` has 3)"),
    ("status 1234567890123", "6 to 12 digits (`1234567890123` has 13)"),
    ("cancel abc", "6 to 12 digits, as Webex shows it"),
]

#: Replies that name one likely command instead of repeating the whole usage.
GUESSED = ["crate Standup", "SUBSCRIBTIONS", "stauts 123456789"]


@pytest.mark.parametrize(("text", "fragment"), INVALID, ids=[t[:40] for t, _ in INVALID])
def test_invalid_commands_say_what_was_wrong(text: str, fragment: str) -> None:
    result = parse(text)
    assert isinstance(result, CommandError)
    assert fragment in result.message


@pytest.mark.parametrize("text", GUESSED)
def test_a_typo_gets_one_guess_not_the_whole_usage(text: str) -> None:
    result = parse(text)
    assert isinstance(result, CommandError)
    assert USAGE not in result.message
    assert "/webex help" in result.message


def test_a_typo_d_option_gets_one_guess_not_the_whole_usage() -> None:
    result = parse('create "Sync" lobyy')
    assert isinstance(result, CommandError)
    assert "Did you mean `lobby`?" in result.message and USAGE not in result.message
    unknown = parse('create "Sync" tomorrow')
    assert isinstance(unknown, CommandError) and USAGE in unknown.message


def test_a_word_like_no_command_gets_the_usage() -> None:
    result = parse("frobnicate")
    assert isinstance(result, CommandError)
    assert USAGE in result.message


def test_an_unguessable_kind_lists_every_kind() -> None:
    result = parse("subscribe all events exploded")
    assert isinstance(result, CommandError)
    assert "Did you mean" not in result.message
    assert all(kind.value in result.message for kind in EventKind)


def test_subscribe_defaults_to_every_kind() -> None:
    result = parse("subscribe all")
    assert isinstance(result, SubscribeCommand)
    assert result.kinds == frozenset()  # the store reads empty as every kind


@given(COMMAND_TEXTS)
def test_parse_never_raises(text: str) -> None:
    result = parse(text)
    assert result is not None
