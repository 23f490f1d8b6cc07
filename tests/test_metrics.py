"""Metrics render in the Prometheus text format and count what they should."""

from datetime import UTC, datetime, timedelta

import pytest

from adapters.errors import NotFoundError, WebexTransportError
from adapters.webex.xmlapi.counted import InstrumentedWebex, outcome_of
from bot.serve.metrics import Metrics


class _Source:
    def __init__(self) -> None:
        self.fail: Exception | None = None

    async def get_meeting(self, key: str) -> str:
        if self.fail:
            raise self.fail
        return key

    async def get_session_infos(self, refs: list[str]) -> list[str]:
        return refs


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (None, "success"),
        (NotFoundError("Meeting not found", detail="060001"), "060001"),
        (WebexTransportError("boom"), "transport"),
    ],
)
def test_outcome_labels(error: Exception | None, label: str) -> None:
    assert outcome_of(error) == label


async def test_instrumented_source_counts_by_operation_and_outcome() -> None:
    metrics = Metrics()
    source = _Source()
    webex = InstrumentedWebex(source, metrics.count_xmlapi_call)
    assert await webex.get_meeting("1") == "1"
    source.fail = NotFoundError("Meeting not found", detail="060001")
    with pytest.raises(NotFoundError):
        await webex.get_meeting("2")
    await webex.get_session_infos(["a", "b", "c"])
    text = metrics.render().decode()
    assert 'meetbot_xmlapi_calls_total{operation="GetMeeting",outcome="success"} 1.0' in text
    assert 'meetbot_xmlapi_calls_total{operation="GetMeeting",outcome="060001"} 1.0' in text
    assert "meetbot_sessioninfo_items_total 3.0" in text


def test_refresh_and_delay_histogram() -> None:
    metrics = Metrics()
    metrics.refresh(
        outbox_depth=4,
        outbox_oldest_age=12.5,
        sessions_by_state={"in_progress": 2},
        budget_remaining=480,
        blocked=True,
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    metrics.observe_delay(now, now + timedelta(seconds=1.5))
    metrics.count_events(["started", "started"])
    text = metrics.render().decode()
    assert "meetbot_outbox_depth 4.0" in text
    assert "meetbot_outbox_oldest_age_seconds 12.5" in text
    assert 'meetbot_sessions_watched{state="in_progress"} 2.0' in text
    assert "meetbot_sessioninfo_blocked 1.0" in text
    assert 'meetbot_notification_delay_seconds_bucket{le="2.0"} 1.0' in text
    assert 'meetbot_events_total{kind="started"} 2.0' in text


def test_the_replica_role_shows_as_one_gauge_per_role_and_the_epoch() -> None:
    metrics = Metrics()
    text = metrics.render().decode()
    assert 'meetbot_replica_role{role="active"} 1.0' in text  # a single process
    metrics.set_role("standby", None)
    text = metrics.render().decode()
    assert 'meetbot_replica_role{role="active"} 0.0' in text
    assert 'meetbot_replica_role{role="standby"} 1.0' in text
    assert "meetbot_lease_epoch 0.0" in text
    metrics.set_role("active", 7)
    text = metrics.render().decode()
    assert 'meetbot_replica_role{role="standby"} 0.0' in text
    assert "meetbot_lease_epoch 7.0" in text


def test_job_runs_and_the_row_memo_are_exported() -> None:
    metrics = Metrics()
    metrics.observe_job("poll_live", 0.25, 1.5)
    metrics.observe_job("poll_live", 0.0, 0.5)
    metrics.count_rowmemo(hits=0, misses=500)
    metrics.count_rowmemo(hits=1500, misses=500)  # running totals, not deltas
    text = metrics.render().decode()
    assert 'meetbot_job_duration_seconds_count{job="poll_live"} 2.0' in text
    assert 'meetbot_job_duration_seconds_sum{job="poll_live"} 2.0' in text
    assert 'meetbot_job_lag_seconds_sum{job="poll_live"} 0.25' in text
    assert 'meetbot_rowmemo_rows_total{outcome="hit"} 1500.0' in text
    assert 'meetbot_rowmemo_rows_total{outcome="miss"} 500.0' in text
    assert "meetbot_rowmemo_hit_ratio 0.75" in text
