"""Cancel a running task once it has visibly done its first piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest


async def cancel_when(task: asyncio.Task[None], ready: Callable[[], bool]) -> None:
    """Wait (at most 10 s) until ``ready()`` holds, cancel ``task``, and check that
    it ended by cancellation rather than finishing or failing."""
    for _ in range(1000):
        if ready():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
