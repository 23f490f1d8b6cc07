"""The vocabulary of the demo script: one step, what actions exist, and the
check that a script can be played. Pure values, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

__all__ = ["ACTIONS", "DemoStep", "check_script"]

_T = TypeVar("_T")

#: action -> (required params, optional params)
_PARAMS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "schedule": (
        frozenset({"host", "title", "start_at", "duration_minutes", "time_zone"}),
        frozenset({"private", "personal_room", "meeting_type_id"}),
    ),
    "reschedule": (frozenset({"start_at", "duration_minutes"}), frozenset()),
    "start": (frozenset(), frozenset()),
    "host_joins": (frozenset(), frozenset()),
    "host_leaves": (frozenset(), frozenset()),
    "attendee_joins": (frozenset({"count"}), frozenset()),
    "attendee_leaves": (frozenset({"count"}), frozenset()),
    "lock": (frozenset(), frozenset()),
    "unlock": (frozenset(), frozenset()),
    "end": (frozenset(), frozenset()),
    "delete": (frozenset(), frozenset()),
}

_TYPES: Mapping[str, type] = {
    "host": str,
    "title": str,
    "start_at": timedelta,
    "duration_minutes": int,
    "time_zone": str,
    "private": bool,
    "personal_room": bool,
    "meeting_type_id": int,
    "count": int,
}

#: Every action a step may name: the simulated site's method of the same name.
ACTIONS: frozenset[str] = frozenset(_PARAMS)


@dataclass(frozen=True, slots=True, init=False)
class DemoStep:
    """One thing that happens to one meeting at ``at`` (simulated time since the start).

    ``meeting`` is a label; the ``schedule`` step that introduces it gets the
    real meeting key from the site. ``start_at`` is also measured from the
    demo's start.

    Raises:
        ValueError: a negative offset, an unknown action, or params missing,
            unknown or of the wrong type for the action.
    """

    at: timedelta
    action: str
    meeting: str
    params: tuple[tuple[str, object], ...]

    def __init__(self, at: timedelta, action: str, meeting: str, **params: object) -> None:
        if at < timedelta(0):
            raise ValueError(f"step offset must not be negative: {at}")
        if action not in _PARAMS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}")
        required, optional = _PARAMS[action]
        if missing := required - params.keys():
            raise ValueError(f"{action} needs {', '.join(sorted(missing))}")
        if unknown := params.keys() - required - optional:
            raise ValueError(f"{action} takes no {', '.join(sorted(unknown))}")
        for name, value in params.items():
            kind = _TYPES[name]
            # bool is an int subclass; a flag given as a count is a typo, not a number.
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError(f"{action} {name} must be {kind.__name__}, not {value!r}")
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "meeting", meeting)
        object.__setattr__(self, "params", tuple(sorted(params.items())))

    @property
    def kwargs(self) -> dict[str, object]:
        """The params as a dict."""
        return dict(self.params)

    def param(self, name: str, kind: type[_T]) -> _T | None:
        """Param ``name``, or None when the step has none; its type was checked
        when the step was built, so ``kind`` only tells the type checker."""
        value = self.kwargs.get(name)
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{self.action} {name} is not a {kind.__name__}")
        return value

    def need(self, name: str, kind: type[_T]) -> _T:
        """A required param of the action (always present: checked when built)."""
        value = self.param(name, kind)
        if value is None:
            raise KeyError(name)
        return value


def check_script(script: Iterable[DemoStep]) -> None:
    """Check that ``script`` can be played.

    Raises:
        ValueError: steps out of time order; a label used before its
            ``schedule``, scheduled twice, or used after ``delete``; a meeting
            scheduled or moved to start before the step that does it.
    """
    known: set[str] = set()
    gone: set[str] = set()
    previous = timedelta(0)
    for n, step in enumerate(script):
        where = f"step {n} ({step.action} {step.meeting!r} at {step.at})"
        if step.at < previous:
            raise ValueError(f"{where}: earlier than the step before it")
        previous = step.at
        start_at = step.kwargs.get("start_at")
        if isinstance(start_at, timedelta) and start_at <= step.at:
            raise ValueError(f"{where}: start_at must come after the step")
        if step.action == "schedule":
            if step.meeting in known:
                raise ValueError(f"{where}: label already scheduled")
            known.add(step.meeting)
        elif step.meeting not in known:
            raise ValueError(f"{where}: label not scheduled yet")
        elif step.meeting in gone:
            raise ValueError(f"{where}: meeting already deleted")
        if step.action == "delete":
            gone.add(step.meeting)
