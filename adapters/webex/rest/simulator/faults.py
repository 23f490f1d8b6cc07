"""Failures the simulated REST site can be told to produce, per request.

A fault matches a request when its ``path`` is ``"*"`` or a prefix of the
request path (``/v1/meetings`` matches ``/v1/meetings/abc``) and its ``method``
is ``"*"`` or the request's; each match uses up one of its ``times``. Kinds:

- ``http429``: 429 with ``Retry-After: <retry_after>``, a ``text/html`` body.
- ``http500``, ``http502``, ``http503``: that status, Cisco error body.
- ``timeout``: sleep ``seconds``, then 504 (clients usually give up first).
- ``latency``: sleep ``seconds``, then answer normally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "Faults"]

FaultKind = Literal["http429", "http500", "http502", "http503", "timeout", "latency"]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    kind: FaultKind
    path: str = "*"
    method: str = "*"
    seconds: float = 0.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        if self.seconds < 0 or self.retry_after < 0:
            raise ValueError("seconds and retry_after must be >= 0")

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method.upper()) and (
            self.path == "*" or path.startswith(self.path)
        )


class Faults:
    """The site's pending faults, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._pending: list[tuple[Fault, int]] = []

    def inject(
        self,
        kind: FaultKind | str = "http500",
        *,
        path: str = "*",
        method: str = "*",
        times: int = 1,
        seconds: float = 0.0,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``times`` matching requests fail with ``kind``.

        Raises:
            ValueError: unknown kind, ``times`` < 1, negative numbers.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        fault = Fault(
            kind=cast(FaultKind, kind),
            path=path,
            method=method,
            seconds=float(seconds),
            retry_after=int(retry_after),
        )
        self._pending.append((fault, times))

    def clear(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> int:
        return sum(times for _, times in self._pending)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up once."""
        for index, (fault, times) in enumerate(self._pending):
            if fault.matches(method, path):
                if times <= 1:
                    del self._pending[index]
                else:
                    self._pending[index] = (fault, times - 1)
                return fault
        return None
