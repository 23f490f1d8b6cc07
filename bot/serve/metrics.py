"""Prometheus metrics: what an operator watches on ``GET /metrics``.

One :class:`Metrics` object owns its own registry (no process-global state, so
tests and several services in one process do not collide). Counters are bumped
where things happen; gauges that mirror the store are refreshed just before a
scrape by :meth:`Metrics.refresh`, because reading the store is async.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.health import HealthRegistry

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Seconds: a remind tick takes milliseconds, a discovery of a big site minutes.
_JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)


class Metrics:
    """Every metric the service exports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.xmlapi_calls = Counter(
            "meetbot_xmlapi_calls",
            "Webex XML API calls by operation and outcome (success, exceptionID, transport).",
            ["operation", "outcome"],
            registry=r,
        )
        self.sessioninfo_items = Counter(
            "meetbot_sessioninfo_items",
            "Sessions asked about with GetSessionInfo (each counts against the hourly limit).",
            registry=r,
        )
        self.sessioninfo_budget = Gauge(
            "meetbot_sessioninfo_budget_remaining",
            "GetSessionInfo calls the hourly budget still allows.",
            registry=r,
        )
        self.sessioninfo_blocked = Gauge(
            "meetbot_sessioninfo_blocked",
            "1 while the site blocks GetSessionInfo (HTTP 403, two hours).",
            registry=r,
        )
        self.sessions = Gauge(
            "meetbot_sessions_watched",
            "Sessions the store knows, by state.",
            ["state"],
            registry=r,
        )
        self.events = Counter(
            "meetbot_events",
            "Lifecycle events detected, by kind.",
            ["kind"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "meetbot_outbox_depth", "Deliveries not yet delivered or dead.", registry=r
        )
        self.outbox_oldest = Gauge(
            "meetbot_outbox_oldest_age_seconds",
            "Age of the oldest undelivered delivery (0 when none).",
            registry=r,
        )
        self.job_duration = Histogram(
            "meetbot_job_duration_seconds",
            "How long each run of a periodic job (discover, poll_live, remind) took.",
            ["job"],
            buckets=_JOB_BUCKETS,
            registry=r,
        )
        self.job_lag = Histogram(
            "meetbot_job_lag_seconds",
            "How late each run of a periodic job started, from when it was due.",
            ["job"],
            buckets=_JOB_BUCKETS,
            registry=r,
        )
        self.rowmemo_rows = Counter(
            "meetbot_rowmemo_rows",
            "Listing rows recalled from the row memo (hit) or read from XML (miss).",
            ["outcome"],
            registry=r,
        )
        self.rowmemo_hit_ratio = Gauge(
            "meetbot_rowmemo_hit_ratio",
            "The share of listing rows recalled from the row memo since start.",
            registry=r,
        )
        self._rowmemo_seen = (0, 0)
        self.notification_delay = Histogram(
            "meetbot_notification_delay_seconds",
            "From detecting an event to the chat acknowledging its message.",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
            registry=r,
        )
        self.replica_role = Gauge(
            "meetbot_replica_role",
            "1 for this replica's role: active (watches and delivers) or standby.",
            ["role"],
            registry=r,
        )
        self.lease_epoch = Gauge(
            "meetbot_lease_epoch",
            "The epoch of the replica lease this replica holds (0 when standing by).",
            registry=r,
        )
        self.set_role("active", None)

    def set_role(self, role: str, epoch: int | None) -> None:
        """This replica is now ``role`` ("active" or "standby") under ``epoch``."""
        for name in ("active", "standby"):
            self.replica_role.labels(role=name).set(1 if name == role else 0)
        self.lease_epoch.set(epoch or 0)

    def export_health(self, health: HealthRegistry) -> None:
        """Export ``health`` as it is at each scrape: ``meetbot_ready``,
        ``meetbot_component_up{component}`` and
        ``meetbot_component_status_since_timestamp_seconds{component,status}``."""
        self.registry.register(_HealthCollector(health))

    def observe_job(self, job: str, lag: float, duration: float) -> None:
        """One run of a periodic job (a :data:`bot.watch.schedule.JobObserver`)."""
        self.job_lag.labels(job=job).observe(lag)
        self.job_duration.labels(job=job).observe(duration)

    def count_rowmemo(self, hits: int, misses: int) -> None:
        """The row memo's running totals; the counters advance by what is new."""
        old_hits, old_misses = self._rowmemo_seen
        if hits >= old_hits and misses >= old_misses:
            self.rowmemo_rows.labels(outcome="hit").inc(hits - old_hits)
            self.rowmemo_rows.labels(outcome="miss").inc(misses - old_misses)
        self._rowmemo_seen = (hits, misses)
        if hits + misses:
            self.rowmemo_hit_ratio.set(hits / (hits + misses))

    def count_xmlapi_call(self, operation: str, outcome: str, items: int) -> None:
        """One XML API call, as :mod:`adapters.webex.xmlapi.counted` reports it."""
        self.xmlapi_calls.labels(operation=operation, outcome=outcome).inc()
        if items:
            self.sessioninfo_items.inc(items)

    def count_events(self, kinds: Sequence[str]) -> None:
        for kind in kinds:
            self.events.labels(kind=kind).inc()

    def observe_delay(self, detected_at: datetime, acknowledged_at: datetime) -> None:
        self.notification_delay.observe(max(0.0, (acknowledged_at - detected_at).total_seconds()))

    def refresh(
        self,
        *,
        outbox_depth: int,
        outbox_oldest_age: float | None,
        sessions_by_state: Mapping[str, int],
        budget_remaining: float | None = None,
        blocked: bool | None = None,
    ) -> None:
        """Set the gauges that mirror the store and the budget (call before a scrape)."""
        self.outbox_depth.set(outbox_depth)
        self.outbox_oldest.set(outbox_oldest_age or 0.0)
        for state, count in sessions_by_state.items():
            self.sessions.labels(state=state).set(count)
        if budget_remaining is not None:
            self.sessioninfo_budget.set(budget_remaining)
        if blocked is not None:
            self.sessioninfo_blocked.set(1 if blocked else 0)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


class _HealthCollector(Collector):
    """Reads the health registry at scrape time (no gauge to keep in step)."""

    def __init__(self, health: HealthRegistry) -> None:
        self._health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        components = self._health.components()
        ready = GaugeMetricFamily(
            "meetbot_ready", "1 while every required component is ok (what /readyz says)."
        )
        ready.add_metric([], 1 if self._health.ready() else 0)
        up = GaugeMetricFamily(
            "meetbot_component_up",
            "1 while the component is ok, 0 while starting or failing.",
            labels=["component"],
        )
        since = GaugeMetricFamily(
            "meetbot_component_status_since_timestamp_seconds",
            "Unix time at which the component entered its current status.",
            labels=["component", "status"],
        )
        for c in components:
            up.add_metric([c.name], 1 if c.status == "ok" else 0)
            since.add_metric([c.name, c.status.value], c.since.timestamp())
        yield ready
        yield up
        yield since
