"""The ``/webex`` grammar: command text in, a typed command (or what was wrong) out.

Pure: no I/O, no clock. :func:`parse` never raises; anything it cannot use comes
back as a :class:`CommandError` whose message says what was wrong and what is
allowed, so invalid input never reaches Webex.

Slack sends ``&``, ``<`` and ``>`` in command text as HTML entities; they are
decoded here and escaped again wherever text is shown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time

from adapters.webex.models import AUTO_LOCK_MINUTES, ExternalAttendeeSecurity
from bot.commands.model import (
    USAGE,
    CancelCommand,
    Command,
    CommandError,
    CreateCommand,
    HelpCommand,
    ListCommand,
    StatusCommand,
    SubscribeCommand,
    SubscriptionsCommand,
    UnsubscribeCommand,
)
from bot.commands.when import AtClock, AtDateTime, InDelta, StartSpec
from state.model import EventKind, Scope

__all__ = [
    "COMMAND_NAMES",
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
    "parse",
]

MAX_TITLE = 128
MAX_DURATION_MINUTES = 24 * 60

_SECURITY = {
    "lobby": ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY,
    "block": ExternalAttendeeSecurity.BLOCK_FROM_JOIN,
    "allow": ExternalAttendeeSecurity.ALLOW_JOIN,
}
_CREATE_KEYWORDS = frozenset({"in", "at", "for", "private", "autolock", *_SECURITY})
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u201e": "\u201c"}
_AMOUNT = re.compile(r"(\d{1,5})\s*(m|min|mins|minutes?|h|hr|hrs|hours?)", re.IGNORECASE)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_KEY = re.compile(r"\d{6,12}")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")


class _Invalid(Exception):
    """Internal: carries a CommandError message out of nested parsing."""


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    quoted: bool


def parse(text: str) -> Command | CommandError:
    """Parse the text after ``/webex``. Never raises."""
    try:
        tokens = _tokenize(_decode_entities(text))
        if not tokens:
            return HelpCommand()
        head, rest = tokens[0].text.lower(), tokens[1:]
        handler = _HANDLERS.get(head) if not tokens[0].quoted else None
        if handler is None:
            unknown = f"Unknown command `{tokens[0].text}`."
            guess = _closest(head, _HANDLERS)
            if guess is None:
                return CommandError(message=f"{unknown}\n{USAGE}")
            return CommandError(
                message=f"{unknown} Did you mean `{guess}`? (`/webex help` lists every command.)"
            )
        return handler(rest)
    except _Invalid as e:
        return CommandError(message=str(e))


def _closest(word: str, choices: Iterable[str]) -> str | None:
    """The one choice ``word`` is most likely a typo of, or None."""
    matches = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.75)
    return matches[0] if matches else None


def _decode_entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            # Phones turn straight quotes into curly ones; accept either closer.
            end = min(
                (j for j in (text.find(close, i + 1), text.find('"', i + 1)) if j != -1),
                default=-1,
            )
            if end == -1:
                raise _Invalid(f"A quote is not closed: {text[i:]!s}")
            tokens.append(_Token(text[i + 1 : end].strip(), quoted=True))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _QUOTES:
            j += 1
        tokens.append(_Token(text[i:j], quoted=False))
        i = j
    return tokens


def _no_args(command: Command, name: str) -> Callable[[list[_Token]], Command]:
    def handle(rest: list[_Token]) -> Command:
        if rest:
            raise _Invalid(f"`{name}` takes nothing after it.\n{USAGE}")
        return command

    return handle


def _parse_create(rest: list[_Token]) -> Command:
    title_parts: list[str] = []
    i = 0
    if rest and rest[0].quoted:
        title_parts.append(rest[0].text)
        i = 1
    else:
        while i < len(rest) and (rest[i].quoted or rest[i].text.lower() not in _CREATE_KEYWORDS):
            title_parts.append(rest[i].text)
            i += 1
    title = " ".join(title_parts).strip()
    if not title:
        raise _Invalid(
            'A meeting needs a title: `/webex create "Weekly sync" in 30m`. '
            "Quote the title when it starts with a keyword."
        )
    if len(title) > MAX_TITLE:
        raise _Invalid(f"The title is {len(title)} characters long; at most {MAX_TITLE} fit.")

    seen: set[str] = set()
    start: StartSpec | None = None
    duration = 60
    private = False
    auto_lock: int | None = None
    security: ExternalAttendeeSecurity | None = None
    try:
        while i < len(rest):
            token = rest[i]
            word = token.text.lower()
            if token.quoted or word not in _CREATE_KEYWORDS:
                guess = None if token.quoted else _closest(word, _CREATE_KEYWORDS)
                raise _Invalid(
                    f"I don't understand `{token.text}` after the title. "
                    + (f"Did you mean `{guess}`? " if guess is not None else "")
                    + 'If it belongs to the title, quote the whole title: `create "..."`.'
                    + ("" if guess is not None else "\n" + USAGE)
                )
            option = "start" if word in ("in", "at") else "security" if word in _SECURITY else word
            if option in seen:
                raise _Invalid(f"`{token.text}` is given twice; say it once.")
            seen.add(option)
            i += 1
            if word == "in":
                amount, i = _amount(rest, i, "in", "in 30m or in 2h")
                start = InDelta(minutes=amount)
            elif word == "at":
                start, i = _at(rest, i)
            elif word == "for":
                duration, i = _amount(rest, i, "for", "for 45m or for 2h")
                if duration > MAX_DURATION_MINUTES:
                    raise _Invalid("A meeting can last at most 24h (`for 24h`).")
            elif word == "private":
                private = True
            elif word == "autolock":
                auto_lock, i = _autolock(rest, i)
            else:
                security = _SECURITY[word]
    except _Invalid as e:
        # A keyword in an unquoted title lands here ("create Check in with Bob").
        hint = "" if rest[0].quoted else " If that word belongs to the title, quote the title."
        raise _Invalid(f"{e}{hint}") from None
    return CreateCommand(
        title=title,
        start=start,
        duration_minutes=duration,
        private=private,
        auto_lock_minutes=auto_lock,
        external_attendee_security=security,
    )


def _next(rest: list[_Token], i: int) -> str | None:
    return rest[i].text if i < len(rest) and not rest[i].quoted else None


def _amount(rest: list[_Token], i: int, keyword: str, example: str) -> tuple[int, int]:
    word = _next(rest, i)
    # "30 m" arrives as two tokens; glue a lone unit back on.
    if word is not None and word.isdigit():
        unit = _next(rest, i + 1)
        if unit is not None and _AMOUNT.fullmatch(word + unit):
            word, i = word + unit, i + 1
    match = _AMOUNT.fullmatch(word or "")
    if match is None:
        raise _Invalid(
            f"`{keyword}` needs a number of minutes or hours, e.g. `{example}` "
            f"(got `{word or 'nothing'}`)."
        )
    value = int(match.group(1)) * (60 if match.group(2).lower().startswith("h") else 1)
    if value < 1:
        raise _Invalid(f"`{keyword}` needs at least one minute.")
    return value, i + 1


def _at(rest: list[_Token], i: int) -> tuple[StartSpec, int]:
    word = _next(rest, i) or ""
    day_match = _DAY.fullmatch(word)
    if day_match is not None:
        clock = _clock(_next(rest, i + 1) or "")
        try:
            day = date(*(int(g) for g in day_match.groups()))
        except ValueError:
            raise _Invalid(f"`{word}` is not a date on the calendar.") from None
        return AtDateTime(day=day, at=clock), i + 2
    return AtClock(at=_clock(word)), i + 1


def _clock(word: str) -> time:
    match = _CLOCK.fullmatch(word)
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise _Invalid(
        f"`at` needs a 24-hour time `HH:MM` or `YYYY-MM-DD HH:MM` (got `{word or 'nothing'}`)."
    )


def _autolock(rest: list[_Token], i: int) -> tuple[int, int]:
    word = _next(rest, i) or ""
    allowed = "|".join(str(m) for m in sorted(AUTO_LOCK_MINUTES))
    if not word.isdigit() or int(word) not in AUTO_LOCK_MINUTES:
        raise _Invalid(f"`autolock` takes minutes, one of {allowed} (got `{word or 'nothing'}`).")
    return int(word), i + 1


def _parse_key(name: str) -> Callable[[list[_Token]], Command]:
    def handle(rest: list[_Token]) -> Command:
        key = _key(rest, name)
        return StatusCommand(key=key) if name == "status" else CancelCommand(key=key)

    return handle


def _key(rest: list[_Token], name: str) -> str:
    # Webex shows keys in groups ("2345 678 901"); accept them grouped or not.
    key = "".join(t.text for t in rest).replace("-", "")
    if not _KEY.fullmatch(key):
        given = f" (`{key}` has {len(key)})" if key.isdigit() else ""
        raise _Invalid(
            f"`{name}` needs a meeting key: 6 to 12 digits{given}, as Webex shows it, "
            f"grouped or not, e.g. `{name} 2345 678 901`."
        )
    return key


def _target(rest: list[_Token], name: str) -> tuple[Scope, str | None, list[_Token]]:
    if not rest:
        raise _Invalid(
            f"`{name}` needs what to follow: all, host <webExID or email>, meeting <key>."
        )
    scope = rest[0].text.lower()
    if scope == "all" and not rest[0].quoted:
        return Scope.ALL, None, rest[1:]
    if scope == "host" and not rest[0].quoted:
        if len(rest) < 2:
            raise _Invalid(f"`{name} host` needs a Webex user ID or email.")
        host = _MAILTO.sub(r"\1", rest[1].text).strip()
        if not host:
            raise _Invalid(f"`{name} host` needs a Webex user ID or email.")
        return Scope.HOST, host, rest[2:]
    if scope == "meeting" and not rest[0].quoted:
        end = next((j for j, t in enumerate(rest) if t.text.lower() == "events"), len(rest))
        return Scope.MEETING, _key(rest[1:end], f"{name} meeting"), rest[end:]
    guess = _closest(scope, ("all", "host", "meeting"))
    hint = f" Did you mean `{guess}`?" if guess is not None else ""
    raise _Invalid(
        f"`{name}` follows all, host <webExID or email>, or meeting <key> "
        f"(got `{rest[0].text}`).{hint}"
    )


def _parse_subscribe(rest: list[_Token]) -> Command:
    scope, target, tail = _target(rest, "subscribe")
    kinds: frozenset[EventKind] = frozenset()
    if tail:
        if tail[0].text.lower() != "events" or len(tail) < 2:
            allowed = ", ".join(k.value for k in EventKind)
            raise _Invalid(
                f"After the target only `events <kind,kind>` may follow; kinds: {allowed}."
            )
        kinds = _kinds(" ".join(t.text for t in tail[1:]))
    return SubscribeCommand(scope=scope, target=target, kinds=kinds)


def _kinds(text: str) -> frozenset[EventKind]:
    names = [n.strip().lower().replace("-", "_") for n in re.split(r"[,\s]+", text) if n.strip()]
    known = {k.value: k for k in EventKind}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        guesses = [g for g in (_closest(n, known) for n in unknown) if g is not None]
        if unknown and len(guesses) == len(unknown):
            meant = ", ".join(f"`{g}`" for g in guesses)
            raise _Invalid(f"Unknown event kind `{', '.join(unknown)}`. Did you mean {meant}?")
        allowed = ", ".join(known)
        raise _Invalid(f"Unknown event kind `{', '.join(unknown) or text}`; kinds: {allowed}.")
    return frozenset(known[n] for n in names)


def _parse_unsubscribe(rest: list[_Token]) -> Command:
    scope, target, tail = _target(rest, "unsubscribe")
    if tail:
        raise _Invalid("`unsubscribe` takes only its target: all, host <id>, or meeting <key>.")
    return UnsubscribeCommand(scope=scope, target=target)


_HANDLERS: dict[str, Callable[[list[_Token]], Command]] = {
    "help": _no_args(HelpCommand(), "help"),
    "create": _parse_create,
    "list": _no_args(ListCommand(), "list"),
    "status": _parse_key("status"),
    "cancel": _parse_key("cancel"),
    "subscribe": _parse_subscribe,
    "unsubscribe": _parse_unsubscribe,
    "subscriptions": _no_args(SubscriptionsCommand(), "subscriptions"),
}

#: The command words, as ``/webex <name>``.
COMMAND_NAMES = tuple(_HANDLERS)
