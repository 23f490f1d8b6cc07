"""Which webhooks to register: the listed ones -> what to create, re-activate or
remove. Pure.

Rules:

1. The bot wants one webhook per (resource, event) of :data:`WANTED`
   (``meetings`` started, ended, created, updated, deleted;
   ``meetingParticipants`` joined, left), each targeting its own URL, without
   a filter. Webhooks that target another URL are someone else's and are
   never touched.
2. A wanted webhook that is listed is not created again, active or not, so a
   restart registers nothing new.
3. One that is not active (Webex disabled it after failed deliveries) is
   re-activated; the caller then sweeps, since deliveries were lost.
4. Two or more for the same (resource, event) and target: one is kept (an
   active one first) and the others removed, so nothing is delivered twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from adapters.webex.rest.client.models import RestWebhook

__all__ = ["WANTED", "HookPlan", "HookSpec", "plan_hooks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HookSpec:
    """A webhook to create."""

    resource: str
    event: str

    @property
    def name(self) -> str:
        return f"meetbot {self.resource} {self.event}"


#: What the bot registers (rule 1), in registration order.
WANTED: tuple[HookSpec, ...] = tuple(
    HookSpec(resource=resource, event=event)
    for resource, events in (
        ("meetings", ("started", "ended", "created", "updated", "deleted")),
        ("meetingParticipants", ("joined", "left")),
    )
    for event in events
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HookPlan:
    """What to do; empty when the registration is complete and active."""

    create: tuple[HookSpec, ...] = ()
    reactivate: tuple[RestWebhook, ...] = ()
    remove: tuple[RestWebhook, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.create or self.reactivate or self.remove)


def plan_hooks(
    listed: Iterable[RestWebhook], target_url: str, wanted: Iterable[HookSpec] = WANTED
) -> HookPlan:
    """The plan that makes ``listed`` hold exactly one active webhook per wanted
    spec targeting ``target_url`` (rules 1-4)."""
    ours: dict[tuple[str, str], list[RestWebhook]] = {}
    for hook in listed:
        if hook.target_url == target_url and not hook.filter:
            ours.setdefault((hook.resource, hook.event), []).append(hook)
    create: list[HookSpec] = []
    reactivate: list[RestWebhook] = []
    remove: list[RestWebhook] = []
    for spec in wanted:
        found = ours.get((spec.resource, spec.event), [])
        if not found:
            create.append(spec)
            continue
        # sorted() is stable: the first active one listed is kept, else the first.
        keep, *extra = sorted(found, key=lambda h: not h.active)
        if not keep.active:
            reactivate.append(keep)
        remove.extend(extra)
    return HookPlan(create=tuple(create), reactivate=tuple(reactivate), remove=tuple(remove))
