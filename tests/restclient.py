"""Helpers for the REST client tests: a client on a running simulator, and a
rate gate whose waits the test releases by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from adapters.webex.rest.client import RateGate, RestClient, RestSettings, Tokens
from adapters.webex.rest.simulator import RestSite
from tests.restsim import ADMIN_TOKEN, running


@asynccontextmanager
async def client_on(
    site: RestSite, *, tokens: Tokens | None = None, **kw: Any
) -> AsyncIterator[RestClient]:
    """A RestClient on ``site`` served on loopback; ``settings`` fields in ``kw``
    (``total_timeout=…``) and client arguments (``oauth=…``) both work."""
    fields = {k: kw.pop(k) for k in list(kw) if k in RestSettings.__dataclass_fields__}
    async with running(site) as api:
        settings = RestSettings(base_url=api.base, **fields)
        client = RestClient(tokens or Tokens(access_token=ADMIN_TOKEN), settings=settings, **kw)
        async with client:
            yield client


def paths(site: RestSite) -> list[str]:
    """``METHOD /path`` of every API call the site received, in order."""
    return [f"{call.method} {call.path}" for call in site.calls]


class HeldGate(RateGate):
    """A RateGate on a clock that moves only when the test releases the waits.

    Every wait is recorded in ``waits`` and blocks until :meth:`release`,
    which moves the clock past the hold.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self._changed = asyncio.Condition()
        self._released = asyncio.Event()
        super().__init__(clock=lambda: self.now, sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        async with self._changed:
            self.waits.append(seconds)
            self._changed.notify_all()
        await self._released.wait()

    async def held(self, count: int) -> None:
        """Return once ``count`` waits are being held."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.waits) >= count)

    def release(self) -> None:
        self.now += max(self.waits, default=0.0)
        self._released.set()


class SkippingGate(RateGate):
    """A RateGate whose waits pass at once (moving its clock), recorded in ``waits``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        super().__init__(clock=lambda: self.now, sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
