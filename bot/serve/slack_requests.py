"""What a signed Slack request must look like before bolt is given it.

bolt indexes into payloads without checking them (``body["actions"][0]``,
``"id" in payload["team"]``), so a request that is signed but malformed would
raise inside it and answer 500 with a traceback. :func:`classify` looks at
bolt's parse of the body (the same dict bolt then reads) and says whether it
is a request this app handles, one to acknowledge and ignore, or malformed.

Rules, in order:

1. The body must be a non-empty JSON object (or form).
2. Every field bolt's context extractors read (``team``, ``user``,
   ``channel``, ``enterprise``, ``container``, ``view``, ``message``), at the
   top and inside ``event``, is absent, null, a string or an object;
   ``authorizations`` is a list of objects.
3. ``ssl_check`` forms are handled (bolt answers them).
4. A slash command names ``/webex`` and carries ``user_id``, ``channel_id``,
   ``team_id`` and ``response_url`` as strings.
5. ``url_verification`` carries a string ``challenge``.
6. ``event_callback`` carries a string ``event_id`` and an ``event`` object
   with a string ``type``; ``app_home_opened`` (with a string ``user``) is
   handled, any other event type acknowledged and ignored.
   ``app_rate_limited`` is acknowledged and ignored.
7. ``block_actions`` carries a ``user`` object with a string ``id`` and a
   non-empty list of action objects, each with a string ``action_id``; it is
   handled when its first action (the one bolt matches on) is ours, ignored
   otherwise.
8. Anything else is malformed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["HANDLED_ACTIONS", "HANDLED_COMMANDS", "Malformed", "Verdict", "classify"]

HANDLED_COMMANDS = frozenset({"/webex"})
HANDLED_EVENTS = frozenset({"app_home_opened"})
HANDLED_ACTIONS = frozenset({"join_meeting"})

_NESTED = ("team", "user", "channel", "enterprise", "container", "view", "message")


class Verdict(StrEnum):
    HANDLE = "handle"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Malformed:
    """Why a request is refused (one line, safe to log: it quotes no values)."""

    reason: str


def classify(body: object) -> Verdict | Malformed:
    """Sort bolt's parse of a signed request body; see the module's rules."""
    if not isinstance(body, Mapping) or not body:
        return Malformed("the body is not a JSON object or form")
    if (problem := _nested_problem(body, "")) is not None:
        return problem
    if "ssl_check" in body:
        return Verdict.HANDLE
    if "command" in body:
        return _command(body)
    kind = body.get("type")
    if kind == "url_verification":
        return _require_str(body, "challenge") or Verdict.HANDLE
    if kind == "event_callback":
        return _event(body)
    if kind == "app_rate_limited":
        return Verdict.IGNORE
    if kind == "block_actions":
        return _block_actions(body)
    if isinstance(kind, str):
        return Malformed(f"unsupported request type {kind[:40]!r}")
    return Malformed("no request type")


def _command(body: Mapping[str, Any]) -> Verdict | Malformed:
    for field in ("command", "user_id", "channel_id", "team_id", "response_url"):
        if (problem := _require_str(body, field)) is not None:
            return problem
    if body["command"] not in HANDLED_COMMANDS:
        return Malformed(f"unknown command {str(body['command'])[:40]!r}")
    return Verdict.HANDLE


def _event(body: Mapping[str, Any]) -> Verdict | Malformed:
    if (problem := _require_str(body, "event_id")) is not None:
        return problem
    event = body.get("event")
    if not isinstance(event, Mapping):
        return Malformed("event_callback without an event object")
    if (problem := _require_str(event, "type", "event.")) is not None:
        return problem
    if (problem := _nested_problem(event, "event.")) is not None:
        return problem
    if event["type"] not in HANDLED_EVENTS:
        return Verdict.IGNORE
    return _require_str(event, "user", "event.") or Verdict.HANDLE


def _block_actions(body: Mapping[str, Any]) -> Verdict | Malformed:
    user = body.get("user")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        return Malformed("block_actions without a user id")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return Malformed("block_actions without actions")
    for action in actions:
        if not isinstance(action, Mapping) or not isinstance(action.get("action_id"), str):
            return Malformed("block_actions with an action that has no action_id")
    return Verdict.HANDLE if actions[0]["action_id"] in HANDLED_ACTIONS else Verdict.IGNORE


def _nested_problem(body: Mapping[str, Any], where: str) -> Malformed | None:
    for field in _NESTED:
        value = body.get(field)
        if value is not None and not isinstance(value, (str, Mapping)):
            return Malformed(f"{where}{field} is neither a string nor an object")
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, Mapping) for a in authorizations)
    ):
        return Malformed(f"{where}authorizations is not a list of objects")
    return None


def _require_str(body: Mapping[str, Any], field: str, where: str = "") -> Malformed | None:
    value = body.get(field)
    if isinstance(value, str) and value:
        return None
    return Malformed(f"{where}{field} is missing or not a string")
