"""A ChatPort that records what it is asked to post: in memory, or in a JSON-lines
file that several processes can share (the crash test's child writes it, the
test reads it).

``find_delivery`` answers from the record, so reconciliation after a crash is
exercised for real. Direct messages are recorded in the conversation
``dm:<email>``, which is also the channel to ask ``find_delivery`` about.
Faults are scripted per method with :meth:`RecordingChat.fail`.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from adapters.chat import Card, MessageRef
from adapters.errors import ChatError
from state.fanout import DM_PREFIX

__all__ = ["FileChat", "Posted", "RecordingChat"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Posted:
    """One call the chat acknowledged."""

    kind: str  # "card", "update", "reply" or "dm"
    channel: str
    ts: str
    delivery_key: str
    thread_ts: str | None = None
    text: str = ""
    card: dict[str, Any] | None = None


def _card_dict(card: Card) -> dict[str, Any]:
    d = asdict(card)
    d["start"] = card.start.isoformat()
    d["tone"] = str(card.tone)
    return d


class RecordingChat:
    """An in-memory ChatPort.

    Attributes:
        unknown_users: emails for which :meth:`direct_message` finds nobody.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self._posted: list[Posted] = []
        self._faults: dict[str, list[ChatError]] = {}
        self.unknown_users: set[str] = set()

    # -- scripting -------------------------------------------------------
    def fail(self, method: str, error: ChatError, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` raise ``error``."""
        self._faults.setdefault(method, []).extend([error] * times)

    async def _enter(self, method: str) -> None:
        await self._wait()
        queue = self._faults.get(method)
        if queue:
            raise queue.pop(0)

    async def _wait(self) -> None:
        # Half the latency before the chat records a post, half before the
        # caller hears back: a crash in either half is a different story.
        if self.latency:
            await asyncio.sleep(self.latency / 2)

    # -- the record ------------------------------------------------------
    @property
    def posted(self) -> list[Posted]:
        return list(self._posted)

    def _record(self, item: Posted) -> None:
        self._posted.append(item)

    def _next_ts(self) -> str:
        return f"{len(self.posted) + 1}.000100"

    async def _acknowledge(
        self,
        kind: str,
        channel: str,
        *,
        delivery_key: str,
        thread_ts: str | None = None,
        text: str = "",
        card: Card | None = None,
    ) -> MessageRef:
        """Record one call under the next ts, then answer after the second half of
        the latency."""
        ts = self._next_ts()
        self._record(
            Posted(
                kind=kind,
                channel=channel,
                ts=ts,
                delivery_key=delivery_key,
                thread_ts=thread_ts,
                text=text,
                card=None if card is None else _card_dict(card),
            )
        )
        await self._wait()
        return MessageRef(channel=channel, ts=ts)

    def delivery_keys(self, *kinds: str) -> list[str]:
        """Delivery keys of acknowledged posts (all kinds but updates by default)."""
        wanted = set(kinds) or {"card", "reply", "dm"}
        return [p.delivery_key for p in self.posted if p.kind in wanted]

    def texts(self, channel: str | None = None) -> list[str]:
        return [
            p.text
            for p in self.posted
            if p.kind in ("reply", "dm") and (channel is None or p.channel == channel)
        ]

    # -- ChatPort --------------------------------------------------------
    async def post_card(self, channel: str, card: Card, *, delivery_key: str) -> MessageRef:
        await self._enter("post_card")
        return await self._acknowledge("card", channel, delivery_key=delivery_key, card=card)

    async def update_card(self, ref: MessageRef, card: Card, *, delivery_key: str) -> None:
        await self._enter("update_card")
        await self._acknowledge(
            "update", ref.channel, delivery_key=delivery_key, thread_ts=ref.ts, card=card
        )

    async def reply(self, parent: MessageRef, text: str, *, delivery_key: str) -> MessageRef:
        await self._enter("reply")
        return await self._acknowledge(
            "reply", parent.channel, delivery_key=delivery_key, thread_ts=parent.ts, text=text
        )

    async def direct_message(
        self, user_email: str, text: str, *, delivery_key: str
    ) -> MessageRef | None:
        await self._enter("direct_message")
        if user_email in self.unknown_users:
            return None
        return await self._acknowledge(
            "dm", f"{DM_PREFIX}{user_email}", delivery_key=delivery_key, text=text
        )

    async def find_delivery(
        self, channel: str, delivery_key: str, *, thread: MessageRef | None = None
    ) -> MessageRef | None:
        await self._enter("find_delivery")
        for p in self.posted:
            if p.kind == "update" or p.channel != channel or p.delivery_key != delivery_key:
                continue
            if thread is not None and p.kind == "reply" and p.thread_ts != thread.ts:
                continue
            return MessageRef(channel=p.channel, ts=p.ts)
        return None

    async def check_access(self) -> None:
        await self._enter("check_access")


class FileChat(RecordingChat):
    """A RecordingChat whose record is a JSON-lines file, read afresh on every use.

    Each acknowledged call appends one line with a single ``write`` on an
    ``O_APPEND`` descriptor, so a process killed mid-call leaves either the whole
    line or a torn last line, which readers skip (the call was never
    acknowledged, exactly as if the chat had not received it) and the next
    writer terminates.
    """

    def __init__(self, path: Path, latency: float = 0.0) -> None:
        super().__init__(latency)
        self.path = path
        path.touch(exist_ok=True)

    @property
    def posted(self) -> list[Posted]:
        out: list[Posted] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(Posted(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return out

    def _record(self, item: Posted) -> None:
        line = (json.dumps(asdict(item), ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # end a torn line left by a killed writer

            os.write(fd, line)
        finally:
            os.close(fd)

    def _next_ts(self) -> str:
        # Unique across processes sharing the file: a restart continues the count.
        return f"{len(self.posted) + 1}.{os.getpid():06d}"
