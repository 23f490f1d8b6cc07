"""The component-health registry: plain values and a clock that moves by hand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import ComponentHealth, FailureStreak, HealthRegistry, Status
from bot.serve.metrics import Metrics
from tests.fakes.clock import Clock

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


def test_an_expected_component_is_starting_and_not_ready(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.expect("database")
    (db,) = health.components()
    assert (db.status, db.since, db.required) == (Status.STARTING, T0, True)
    assert not health.ready()


def test_an_empty_registry_is_ready(clock: Clock) -> None:
    assert HealthRegistry(clock).ready()


def test_since_is_when_the_status_changed_not_the_last_report(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.expect("database")
    clock.advance(5)
    health.report("database", ok=True, detail="written")
    clock.advance(5)
    health.report("database", ok=True, detail="written again")
    db = health.component("database")
    assert db is not None
    assert (db.status, db.since, db.detail) == (
        Status.OK,
        T0 + timedelta(seconds=5),
        "written again",
    )
    clock.advance(5)
    health.report("database", ok=False, detail="database or disk is full")
    clock.advance(5)
    health.report("database", ok=False, detail="database or disk is full")
    db = health.component("database")
    assert db is not None
    assert (db.status, db.since) == (Status.FAILING, T0 + timedelta(seconds=15))
    assert not health.ready()


def test_a_heartbeat_expires_into_failing_from_its_deadline(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.beat("webex", within=timedelta(seconds=60), detail="polled")
    clock.advance(59)
    assert health.ready()
    clock.advance(30)
    webex = health.component("webex")
    assert webex is not None
    assert webex.status is Status.FAILING
    assert webex.since == T0 + timedelta(seconds=60)
    assert webex.detail == "no progress for 60 s"
    assert not health.ready()
    health.beat("webex", within=timedelta(seconds=60), detail="polled")
    webex = health.component("webex")
    assert webex is not None and (webex.status, webex.since) == (Status.OK, clock.now)


def test_a_report_cancels_a_heartbeats_expiry(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.beat("webex", within=timedelta(seconds=10))
    health.report("webex", ok=False, detail="credentials refused")
    clock.advance(3600)
    webex = health.component("webex")
    assert webex is not None
    assert (webex.status, webex.since, webex.detail) == (Status.FAILING, T0, "credentials refused")


def test_an_optional_component_never_makes_the_service_unready(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.expect("role", required=False)
    health.report("role", ok=False, detail="standby")
    health.report("database", ok=True)
    assert health.ready()
    assert health.as_json()["components"]["role"] == {
        "status": "failing",
        "since": T0.isoformat(),
        "detail": "standby",
        "required": False,
    }


def test_as_json_lists_every_component_by_name(clock: Clock) -> None:
    health = HealthRegistry(clock)
    health.report("webex", ok=True, detail="signed in")
    health.report("database", ok=False, detail="disk full")
    body = health.as_json()
    assert body["ready"] is False
    assert list(body["components"]) == ["database", "webex"]
    assert body["components"]["webex"]["status"] == "ok"


def test_a_beat_needs_a_positive_window(clock: Clock) -> None:
    with pytest.raises(ValueError, match="positive"):
        HealthRegistry(clock).beat("x", within=timedelta(0))


def test_component_health_validates() -> None:
    with pytest.raises(ValueError, match="aware"):
        ComponentHealth(
            name="x",
            status=Status.OK,
            since=datetime(2026, 1, 1),  # noqa: DTZ001 -- the point of the test
            detail="",
            required=True,
        )


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
    }


def test_metrics_export_the_registry_at_scrape_time(clock: Clock) -> None:
    health = HealthRegistry(clock)
    metrics = Metrics()
    metrics.export_health(health)
    health.report("database", ok=True)
    health.beat("webex", within=timedelta(seconds=60))
    samples = _samples(metrics)
    assert samples[("meetbot_ready", ())] == 1
    assert samples[("meetbot_component_up", (("component", "webex"),))] == 1
    clock.advance(61)
    samples = _samples(metrics)
    assert samples[("meetbot_ready", ())] == 0
    assert samples[("meetbot_component_up", (("component", "webex"),))] == 0
    assert samples[("meetbot_component_up", (("component", "database"),))] == 1
    labels = (("component", "webex"), ("status", "failing"))
    assert (
        samples[("meetbot_component_status_since_timestamp_seconds", labels)]
        == (T0 + timedelta(seconds=60)).timestamp()
    )


# The failure streak ------------------------------------------------------------

_LOG = logging.getLogger("meetbot.test.streak")


@pytest.mark.parametrize(
    ("outcomes", "count", "total", "lines"),
    [
        ("", 0, 0, []),
        ("ok ok", 0, 0, []),
        ("fail", 1, 1, []),
        ("fail fail fail", 3, 3, []),
        ("fail fail ok", 0, 2, ["job discover recovered after 2 failed runs"]),
        ("fail ok fail", 1, 2, ["job discover recovered after 1 failed runs"]),
        ("fail ok ok fail ok", 0, 2, ["job discover recovered after 1 failed runs"] * 2),
    ],
)
def test_a_streak_counts_failures_in_a_row_and_logs_each_recovery_once(
    outcomes: str, count: int, total: int, lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    streak = FailureStreak("job discover", logger=_LOG)
    caplog.set_level(logging.INFO, logger=_LOG.name)
    for outcome in outcomes.split():
        if outcome == "fail":
            streak.failed()
        else:
            streak.succeeded()
    assert (streak.count, streak.total) == (count, total)
    assert [r.getMessage() for r in caplog.records if r.name == _LOG.name] == lines


def test_a_streak_says_how_many_in_a_row_and_what_a_try_is_called(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streak = FailureStreak("dispatcher", logger=_LOG, attempts="rounds")
    caplog.set_level(logging.INFO, logger=_LOG.name)
    assert [streak.failed(), streak.failed()] == [1, 2]
    assert streak.succeeded() == 2
    assert streak.succeeded() == 0
    assert caplog.messages == ["dispatcher recovered after 2 failed rounds"]
    assert caplog.records[0].levelno == logging.INFO
