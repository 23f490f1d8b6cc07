"""Which series each meeting number belongs to, shared by the REST feed and the
REST commands: a meeting's key is its ``meetingNumber``, while the REST calls
name the series id. Filled from every answer that carries both, from creates,
and at start from the store (a snapshot keeps its series as ``uuid``)."""

from __future__ import annotations

from collections.abc import Iterable

from state.model import MeetingSnapshot

__all__ = ["MeetingIndex"]


class MeetingIndex:
    """Meeting numbers <-> series ids (in memory, one per process)."""

    def __init__(self) -> None:
        self._series: dict[str, str] = {}
        self._numbers: dict[str, str] = {}

    def learn(self, number: str, series: str) -> None:
        """Remember that meeting ``number`` is series ``series``."""
        self._series[number] = series
        self._numbers[series] = number

    def series(self, number: str) -> str | None:
        return self._series.get(number)

    def number(self, series: str) -> str | None:
        return self._numbers.get(series)

    def remember(self, snapshots: Iterable[MeetingSnapshot]) -> None:
        """Learn the series of every snapshot that keeps one."""
        for snapshot in snapshots:
            if snapshot.uuid:
                self.learn(snapshot.key, snapshot.uuid)
