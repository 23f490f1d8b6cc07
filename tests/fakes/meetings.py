"""Putting known meetings into a real store, the way a poll would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from state.model import Authority, Observation, Rules
from state.store import Store


async def seed(store: Store, key: str, *, now: datetime, **fields: Any) -> None:
    """Record session ``key`` as GetSessionInfo would describe it. Defaults: hosted
    by alice@acme.test, starting an hour after ``now``, 30 minutes long.
    ``gone=True`` then confirms it deleted (cancelled)."""
    gone = fields.pop("gone", False)
    values: dict[str, Any] = {
        "title": f"Meeting {key}",
        "host_id": "alice",
        "host_email": "alice@acme.test",
        "start": now + timedelta(hours=1),
        "duration_minutes": 30,
        "in_progress": False,
    }
    values.update(fields)
    observations = [Observation(key=key, authority=Authority.LIVE_DETAIL, **values)]
    if gone:
        observations.append(Observation(key=key, authority=Authority.GONE))
    await store.observe(observations, now=now, rules=Rules())
