"""The webhook registration plan (adapters/webex/rest/feed/hooks.py)."""

from __future__ import annotations

from typing import Any

from adapters.webex.rest.client.models import RestWebhook
from adapters.webex.rest.feed.hooks import WANTED, HookPlan, HookSpec, plan_hooks

TARGET = "https://meetbot.example.com/webex/webhooks"


def hook(
    resource: str, event: str, *, n: int = 0, status: str = "active", **fields: str
) -> RestWebhook:
    values: dict[str, Any] = {
        "id": f"WH-{resource}-{event}-{n}",
        "name": f"meetbot {resource} {event}",
        "target_url": TARGET,
        "resource": resource,
        "event": event,
        "status": status,
    }
    values.update(fields)
    return RestWebhook(**values)


def registered() -> list[RestWebhook]:
    return [hook(s.resource, s.event) for s in WANTED]


def test_the_bot_wants_the_meeting_and_participant_events() -> None:
    assert [(s.resource, s.event) for s in WANTED] == [
        ("meetings", "started"),
        ("meetings", "ended"),
        ("meetings", "created"),
        ("meetings", "updated"),
        ("meetings", "deleted"),
        ("meetingParticipants", "joined"),
        ("meetingParticipants", "left"),
    ]
    assert HookSpec(resource="meetings", event="ended").name == "meetbot meetings ended"


def test_nothing_listed_creates_everything() -> None:
    assert plan_hooks([], TARGET) == HookPlan(create=WANTED)


def test_a_complete_registration_plans_nothing_so_a_restart_registers_nothing() -> None:
    plan = plan_hooks(registered(), TARGET)
    assert plan.empty
    assert plan == HookPlan()


def test_only_the_missing_ones_are_created() -> None:
    listed = [h for h in registered() if h.event not in ("left", "updated")]
    assert plan_hooks(listed, TARGET).create == (
        HookSpec(resource="meetings", event="updated"),
        HookSpec(resource="meetingParticipants", event="left"),
    )


def test_a_disabled_webhook_is_reactivated_not_created_again() -> None:
    disabled = hook("meetings", "started", status="inactive")
    listed = [disabled if h.event == "started" else h for h in registered()]
    plan = plan_hooks(listed, TARGET)
    assert plan == HookPlan(reactivate=(disabled,))
    assert not plan.empty


def test_duplicates_keep_the_active_one() -> None:
    inactive = hook("meetings", "ended", n=1, status="inactive")
    active = hook("meetings", "ended", n=2)
    listed = [h for h in registered() if h.event != "ended"] + [inactive, active]
    assert plan_hooks(listed, TARGET) == HookPlan(remove=(inactive,))


def test_two_disabled_duplicates_reactivate_one_and_remove_the_other() -> None:
    first = hook("meetings", "ended", n=1, status="inactive")
    second = hook("meetings", "ended", n=2, status="inactive")
    listed = [h for h in registered() if h.event != "ended"] + [first, second]
    assert plan_hooks(listed, TARGET) == HookPlan(reactivate=(first,), remove=(second,))


def test_other_targets_and_filtered_webhooks_are_someone_elses() -> None:
    elsewhere = [
        hook(s.resource, s.event, target_url="https://other.example/hooks") for s in WANTED
    ]
    filtered = [hook(s.resource, s.event, filter="hostEmail=bob@acme.example") for s in WANTED]
    plan = plan_hooks(elsewhere + filtered, TARGET)
    assert plan == HookPlan(create=WANTED)
