"""The ``/webex`` commands as values: what :func:`bot.commands.grammar.parse` produces."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.webex.models import ExternalAttendeeSecurity
from bot.commands.when import StartSpec
from state.model import EventKind, Scope

__all__ = [
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
]

USAGE = """\
Usage: /webex <command>
• create <title> [in <N>m|<N>h | at <HH:MM> | at <YYYY-MM-DD HH:MM>] [for <N>m|<N>h] \
[private] [autolock 0|5|10|15|20] [lobby|block|allow]
   (quote the title, "like this", when it holds one of these words)
• list
• status <meeting key>
• cancel <meeting key>
• subscribe all | host <webExID or email> | meeting <key> [events <kind,kind>]
• unsubscribe all | host <webExID or email> | meeting <key>
• subscriptions
• help"""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandError:
    """Input that cannot be used. ``message`` is written for the requester."""

    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpCommand:
    """``help``; also what an empty command means."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateCommand:
    title: str
    start: StartSpec | None = None
    duration_minutes: int = 60
    private: bool = False
    auto_lock_minutes: int | None = None
    external_attendee_security: ExternalAttendeeSecurity | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a meeting needs a title")


@dataclass(frozen=True, slots=True, kw_only=True)
class ListCommand:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCommand:
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelCommand:
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeCommand:
    """``target`` is None for scope "all", a webExID or email for "host", a key for
    "meeting". Empty ``kinds`` means every kind, including kinds added later."""

    scope: Scope
    target: str | None
    kinds: frozenset[EventKind] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribeCommand:
    scope: Scope
    target: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionsCommand:
    pass


Command = (
    HelpCommand
    | CreateCommand
    | ListCommand
    | StatusCommand
    | CancelCommand
    | SubscribeCommand
    | UnsubscribeCommand
    | SubscriptionsCommand
)
