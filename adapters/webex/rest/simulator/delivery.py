"""Delivering webhook envelopes to their targets, and the knobs to spoil it.

Each envelope is serialised once; the exact bytes are POSTed as
``application/json`` and, for a webhook with a secret, signed in
``X-Spark-Signature``: the lowercase hex HMAC-SHA1 of those bytes keyed with
the secret (Cisco's "Using a Webhook Secret"). Each webhook has its own
queue and worker, so deliveries of one webhook go out in event order and a
slow or dead target delays no other webhook. A 2xx answer is a success; any other answer, a redirect, a refused
connection or no answer within ``timeout`` seconds is a failure, counted
against the webhook (which the registry may then disable).

Test knobs: :meth:`Deliveries.drop_next` loses the next N deliveries (never
sent, not counted as failures), :meth:`Deliveries.duplicate_next` sends each
of the next N twice, :meth:`Deliveries.hold_next` keeps the next N back
until :meth:`Deliveries.release_held` sends them (after what came since: out
of order), :attr:`Deliveries.delay` waits that many real seconds before each
send.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from aiohttp import ClientError, ClientSession, ClientTimeout

if TYPE_CHECKING:
    from .webhooks import Envelope, Webhook

__all__ = ["Deliveries", "DeliveryRecord", "signature"]

logger = logging.getLogger("meetbot.simulator.rest")

Outcome = Literal["delivered", "failed", "dropped"]


def signature(secret: str, body: bytes) -> str:
    """The ``X-Spark-Signature`` value for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRecord:
    """What became of one delivery; ``status`` is the target's HTTP status."""

    webhook_id: str
    resource: str
    event: str
    data_id: str
    outcome: Outcome
    status: int | None = None
    duplicate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    webhook: Webhook
    body: bytes
    headers: dict[str, str]
    record: DeliveryRecord


class Deliveries:
    """The site's delivery queues; :meth:`run` must be running to send.

    Args:
        timeout: seconds to wait for a target's answer.
    """

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.delay = 0.0
        self.records: list[DeliveryRecord] = []
        self.on_failure: Callable[[Webhook], None] = lambda _hook: None
        self._queues: dict[str, asyncio.Queue[_Item]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._session: ClientSession | None = None
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._drop = 0
        self._duplicate = 0
        self._hold = 0
        self._held: list[Envelope] = []

    def drop_next(self, count: int) -> None:
        """Lose the next ``count`` deliveries (on top of any still pending)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self._drop += count

    def duplicate_next(self, count: int) -> None:
        """Send each of the next ``count`` deliveries twice, back to back."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self._duplicate += count

    def hold_next(self, count: int) -> None:
        """Keep the next ``count`` deliveries back until :meth:`release_held`."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self._hold += count

    def release_held(self) -> None:
        """Send what :meth:`hold_next` kept back, in the order it was kept."""
        held, self._held = self._held, []
        for envelope in held:
            self._queue(envelope)

    def set_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.delay = seconds

    def enqueue(self, envelope: Envelope) -> None:
        """Queue ``envelope`` for its webhook's target (called in event order)."""
        if self._hold:
            self._hold -= 1
            self._held.append(envelope)
            return
        self._queue(envelope)

    def _queue(self, envelope: Envelope) -> None:
        hook = envelope.webhook
        data = envelope.body.get("data", {})
        record = DeliveryRecord(
            webhook_id=hook.id,
            resource=hook.resource,
            event=hook.event,
            data_id=str(data.get("id", "")),
            outcome="dropped",
        )
        if self._drop:
            self._drop -= 1
            self.records.append(record)
            return
        copies = 1
        if self._duplicate:
            self._duplicate -= 1
            copies = 2
        body = json.dumps(envelope.body).encode()
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        if hook.secret:
            headers["X-Spark-Signature"] = signature(hook.secret, body)
        queue = self._queues.setdefault(hook.id, asyncio.Queue())
        for copy in range(copies):
            marked = replace(record, duplicate=copy > 0)
            queue.put_nowait(_Item(webhook=hook, body=body, headers=headers, record=marked))
            self._unfinished += 1
            self._idle.clear()
        self._start_worker(hook.id)

    async def settle(self) -> None:
        """Wait until every queued delivery was sent (or failed)."""
        await self._idle.wait()

    async def run(self, session: ClientSession) -> None:
        """Send queued deliveries until cancelled."""
        self._session = session
        try:
            for hook_id in self._queues:
                self._start_worker(hook_id)
            await asyncio.Event().wait()
        finally:
            self._session = None
            workers = list(self._workers.values())
            self._workers.clear()
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def _start_worker(self, hook_id: str) -> None:
        if self._session is None:
            return  # run() starts it
        task = self._workers.get(hook_id)
        if task is None or task.done():
            self._workers[hook_id] = asyncio.create_task(self._work(self._session, hook_id))

    async def _work(self, session: ClientSession, hook_id: str) -> None:
        queue = self._queues[hook_id]
        while True:
            item = await queue.get()
            try:
                await self._send(session, item)
            finally:
                self._unfinished -= 1
                if self._unfinished == 0:
                    self._idle.set()

    async def _send(self, session: ClientSession, item: _Item) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        status: int | None = None
        try:
            async with session.post(
                item.webhook.target_url,
                data=item.body,
                headers=item.headers,
                allow_redirects=False,
                timeout=ClientTimeout(total=self.timeout),
            ) as answer:
                status = answer.status
        except (ClientError, TimeoutError, ValueError) as e:
            logger.debug("delivery to %s failed: %r", item.webhook.target_url, e)
        ok = status is not None and 200 <= status < 300
        outcome: Outcome = "delivered" if ok else "failed"
        self.records.append(replace(item.record, outcome=outcome, status=status))
        if not ok:
            self.on_failure(item.webhook)


@contextlib.asynccontextmanager
async def delivering(deliveries: Deliveries) -> AsyncIterator[None]:
    """Run ``deliveries`` with its own client session for the block's duration."""
    async with ClientSession() as session:
        task = asyncio.create_task(deliveries.run(session))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
