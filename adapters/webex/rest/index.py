"""Which series each meeting number belongs to, shared by the REST feed and the
REST commands: a meeting's key is its ``meetingNumber``, while the REST calls
name the series id. Filled from every answer that carries both, from creates,
and at start from the store (a snapshot keeps its series as ``uuid``).

It also remembers which meetings meetbot created private: the REST API has
no private meeting type (``publicMeeting: false`` is every meeting's default,
so it tells nothing), and a private meeting's title must never reach a
channel. A private create is expected by title and start before it is sent,
since its ``created`` webhook may be processed before the create's answer
arrives; once the snapshot holds ``private`` the store keeps it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from state.model import MeetingSnapshot

__all__ = ["MeetingIndex"]


class MeetingIndex:
    """Meeting numbers <-> series ids (in memory, one per process)."""

    def __init__(self) -> None:
        self._series: dict[str, str] = {}
        self._numbers: dict[str, str] = {}
        self._private: set[str] = set()
        self._expected: dict[tuple[str, datetime], int] = {}

    def expect_private(self, title: str, start: datetime) -> None:
        """A private meeting of this title and start is being created."""
        self._expected[(title, start)] = self._expected.get((title, start), 0) + 1

    def created_private(self, title: str, start: datetime, number: str | None) -> None:
        """The expected private create was answered (``number`` None: it failed)."""
        left = self._expected.get((title, start), 0) - 1
        if left > 0:
            self._expected[(title, start)] = left
        else:
            self._expected.pop((title, start), None)
        if number:
            self._private.add(number)

    def private(self, number: str, title: str | None, start: datetime | None) -> bool | None:
        """True for a meeting meetbot created private (or is creating); None: not known."""
        if number in self._private:
            return True
        if title is not None and start is not None and (title, start) in self._expected:
            self._private.add(number)
            return True
        return None

    def learn(self, number: str, series: str) -> None:
        """Remember that meeting ``number`` is series ``series``."""
        self._series[number] = series
        self._numbers[series] = number

    def series(self, number: str) -> str | None:
        return self._series.get(number)

    def number(self, series: str) -> str | None:
        return self._numbers.get(series)

    def remember(self, snapshots: Iterable[MeetingSnapshot]) -> None:
        """Learn the series of every snapshot that keeps one, and which are private."""
        for snapshot in snapshots:
            if snapshot.uuid:
                self.learn(snapshot.key, snapshot.uuid)
            if snapshot.private:
                self._private.add(snapshot.key)
