"""Failures the simulated site can be told to produce, per request.

A fault matches a request when its operation is ``"*"`` or one of the
request's operation names; each match uses up one of its ``times``. Kinds:

- ``http500``: HTTP 500 with a short text body.
- ``http403``: HTTP 403 Forbidden (what the hourly usage limit looks like).
- ``timeout``: sleep ``seconds``, then HTTP 504 (clients usually give up first).
- ``latency``: sleep ``seconds``, then answer normally.
- ``malformed``: HTTP 200 whose body is not XML.
- ``truncated``: HTTP 200 with the real answer cut in half.
- ``empty``: HTTP 200 with an empty body.
- ``rate_limit``: every response FAILURE 000045 "API Rate Limit Reached".
- ``trickle``: HTTP 200 with the real answer sent one byte every ``seconds``
  (a connection that never stalls long enough for a per-read timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "Faults"]

FaultKind = Literal[
    "http500",
    "timeout",
    "malformed",
    "truncated",
    "empty",
    "latency",
    "http403",
    "rate_limit",
    "trickle",
]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    operation: str
    kind: FaultKind
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")


class Faults:
    """The site's pending faults, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._pending: list[tuple[Fault, int]] = []

    def inject(
        self,
        operation: str = "*",
        kind: FaultKind | str = "http500",
        times: int = 1,
        seconds: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``kind``.

        Raises:
            ValueError: unknown kind, ``times`` < 1 or negative ``seconds``.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
        fault = Fault(operation=operation, kind=cast(FaultKind, kind), seconds=seconds)
        self._pending.append((fault, times))

    def clear(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> int:
        """How many fault uses are left in total."""
        return sum(times for _, times in self._pending)

    def take(self, operations: tuple[str, ...]) -> Fault | None:
        """The first fault matching a request with these operations, used up once."""
        wanted = {op.lower() for op in operations}
        for index, (fault, times) in enumerate(self._pending):
            if fault.operation == "*" or fault.operation.lower() in wanted:
                if times <= 1:
                    del self._pending[index]
                else:
                    self._pending[index] = (fault, times - 1)
                return fault
        return None
