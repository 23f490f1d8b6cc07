"""Background work the service owns: started after a command is acknowledged,
awaited (not abandoned) on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["TaskOwner"]

logger = logging.getLogger("meetbot.tasks")


class TaskOwner:
    """Keeps a reference to every task it starts until the task finishes.

    asyncio holds only weak references to tasks, and bolt's lazy listeners keep
    none: work started there can vanish or be cut off at shutdown. Failures are
    logged here, so a task's exception is never lost.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> bool:
        """Start ``work``. Returns False (and closes ``work``) once shutting down."""
        if self._closed:
            work.close()
            return False
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("background task %s failed", task.get_name(), exc_info=error)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def join(self) -> None:
        """Wait until every task started so far (and any they start) has finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Refuse new work, give running work ``grace_seconds``, then cancel it."""
        self._closed = True
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in late:
            task.cancel()
        if late:
            logger.warning("cancelled %d background tasks still running at shutdown", len(late))
            await asyncio.wait(late)
