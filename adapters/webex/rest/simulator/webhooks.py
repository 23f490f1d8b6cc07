"""The webhook registry: what is registered, what each event is sent to, and
when a failing webhook is disabled.

Rules (Cisco's Webhooks guide):

1. A webhook names a ``resource`` (here ``meetings`` or ``meetingParticipants``)
   and an ``event`` (``created``, ``updated``, ``deleted``, ``started``,
   ``ended``; ``joined``, ``left``). ``ownedBy: org`` (admins only) sees the
   whole organisation; otherwise it sees the meetings its creator hosts. A
   ``filter`` of ``key=value`` pairs joined by ``&`` must match the event's
   ``data``; a ``hostEmail``/``hostUserId`` filter needs ``ownedBy: org``.
2. An envelope is ``{id (the webhook's), name, targetUrl, resource, event,
   filter, orgId, createdBy, appId, ownedBy, status, created, actorId, data}``.
   A meeting's ``data`` carries no title.
3. 100 failed deliveries within 5 minutes (both adjustable) set ``status`` to
   ``inactive``; nothing re-enables it but ``PUT status: active``, and a
   webhook re-enabled within 5 minutes of being disabled is disabled again by
   its next failure. Inactive webhooks get no deliveries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .records import Event, Person, cisco_id, wire_time
from .render import (
    instance_json,
    meeting_event_data,
    occurrence_json,
    participant_json,
    series_json,
)
from .tokens import Grant

if TYPE_CHECKING:
    from .site import RestSite

__all__ = ["Envelope", "Webhook", "Webhooks"]

_EVENTS = {
    "meetings": ("created", "updated", "deleted", "started", "ended"),
    "meetingParticipants": ("joined", "left"),
}
_FILTERS = {
    "meetings": (
        "id",
        "meetingNumber",
        "meetingType",
        "state",
        "hostEmail",
        "hostUserId",
        "siteUrl",
    ),
    "meetingParticipants": ("id", "meetingId", "state", "hostEmail", "hostPersonId", "siteUrl"),
}
_READ_SCOPE = {
    ("meetings", False): "meeting:schedules_read",
    ("meetings", True): "meeting:admin_schedule_read",
    ("meetingParticipants", False): "meeting:participants_read",
    ("meetingParticipants", True): "meeting:admin_participants_read",
}
_APP_ID = cisco_id("APPLICATION", "C0ffee5eed" + "0" * 54)


@dataclass(slots=True, kw_only=True)
class Webhook:
    id: str
    name: str
    target_url: str
    resource: str
    event: str
    filter: str | None
    secret: str | None
    owned_by: str
    creator: Person
    created: datetime
    status: str = "active"
    failures: list[datetime] = field(default_factory=list)
    disabled_at: datetime | None = None

    def filters(self) -> dict[str, str]:
        pairs = (p.partition("=") for p in (self.filter or "").split("&") if p)
        return {k: v for k, _, v in pairs}


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """One delivery to send: the webhook and the JSON envelope."""

    webhook: Webhook
    body: dict[str, Any]


def _invalid(description: str) -> ApiError:
    return ApiError(400, "The input parameters contain invalid items.", description)


class Webhooks:
    """The registry of ``site``; hands each matching envelope to ``send``.

    Args:
        site: the site whose events are reported.
        send: called with every envelope due, in event order.
        threshold: failures that disable a webhook within ``window``.
        window: the span failures are counted over.
    """

    def __init__(
        self,
        site: RestSite,
        send: Callable[[Envelope], None],
        *,
        threshold: int = 100,
        window: timedelta = timedelta(minutes=5),
    ) -> None:
        self._site = site
        self._send = send
        self.threshold = threshold
        self.window = window
        self._hooks: dict[str, Webhook] = {}
        site.subscribe(self._on_event)

    def all(self) -> list[Webhook]:
        return list(self._hooks.values())

    def get(self, webhook_id: str) -> Webhook:
        """Raises KeyError for an unknown id."""
        return self._hooks[webhook_id]

    def visible(self, grant: Grant, webhook_id: str) -> Webhook:
        """Raises ApiError 404 unless ``grant``'s person created the webhook."""
        hook = self._hooks.get(webhook_id)
        if hook is None or hook.creator.email.lower() != grant.email.lower():
            raise ApiError(404, "The requested resource could not be found.")
        return hook

    def listed(self, grant: Grant, owned_by: str | None) -> list[Webhook]:
        mine = [w for w in self._hooks.values() if w.creator.email.lower() == grant.email.lower()]
        return [w for w in mine if owned_by is None or w.owned_by == owned_by]

    def create(self, grant: Grant, body: dict[str, Any]) -> Webhook:
        """Register a webhook from a ``POST /webhooks`` body.

        Raises:
            ApiError: 400 for a missing or invalid field, 403 for a missing scope
                or ``ownedBy: org`` on a user token.
        """
        for name in ("name", "targetUrl", "resource", "event"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise _invalid(f"Parameter '{name}' is required.")
        resource, event = body["resource"], body["event"]
        if event not in _EVENTS.get(resource, ()):
            raise _invalid(f"Unsupported resource/event '{resource}/{event}'.")
        owned_by = body.get("ownedBy") or "creator"
        if owned_by not in ("org", "creator"):
            raise _invalid("ownedBy must be 'org'.")
        if owned_by == "org" and not grant.admin:
            raise ApiError(403, "Only an administrator may create an org-wide webhook.")
        scope = _READ_SCOPE[(resource, owned_by == "org")]
        if scope not in grant.scopes:
            raise ApiError(403, "Missing required scope.", f"Missing required scope: {scope}")
        hook = Webhook(
            id=cisco_id("WEBHOOK", str(uuid.uuid4())),
            name=body["name"],
            target_url=body["targetUrl"],
            resource=resource,
            event=event,
            filter=body.get("filter") or None,
            secret=body.get("secret") or None,
            owned_by=owned_by,
            creator=self._site.person(grant.email),
            created=self._site.clock.now(),
        )
        for key in hook.filters():
            if key not in _FILTERS[resource]:
                raise _invalid(f"invalid value for filter: {key}")
            if key in ("hostEmail", "hostUserId") and owned_by != "org":
                raise _invalid(f"A filter on {key} needs ownedBy 'org'.")
        self._hooks[hook.id] = hook
        return hook

    def update(self, hook: Webhook, body: dict[str, Any]) -> Webhook:
        """Apply a ``PUT /webhooks/{id}`` body: ``name`` and ``targetUrl``
        required, ``secret`` and ``status`` (only ``active``) optional.

        Raises:
            ApiError: 400 for a missing field or a status other than ``active``.
        """
        for name in ("name", "targetUrl"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise _invalid(f"Parameter '{name}' is required.")
        status = body.get("status")
        if status not in (None, "active"):
            raise _invalid("A webhook can only be set to status 'active'.")
        hook.name, hook.target_url = body["name"], body["targetUrl"]
        if "secret" in body:
            hook.secret = body["secret"] or None
        if status == "active" and hook.status != "active":
            hook.status = "active"
            hook.failures.clear()
        return hook

    def delete(self, hook: Webhook) -> None:
        self._hooks.pop(hook.id, None)

    def failed(self, hook: Webhook) -> None:
        """Count one failed delivery; may disable the webhook (rule 3)."""
        now = self._site.clock.now()
        if hook.status != "active":
            return
        recently_disabled = hook.disabled_at is not None and now - hook.disabled_at < self.window
        hook.failures = [t for t in hook.failures if now - t < self.window] + [now]
        if recently_disabled or len(hook.failures) >= self.threshold:
            hook.status = "inactive"
            hook.disabled_at = now

    def json(self, hook: Webhook) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": hook.id,
            "name": hook.name,
            "targetUrl": hook.target_url,
            "resource": hook.resource,
            "event": hook.event,
            "orgId": cisco_id("ORGANIZATION", self._site.org_uuid),
            "createdBy": hook.creator.person_id,
            "appId": _APP_ID,
            "ownedBy": hook.owned_by,
            "status": hook.status,
            "created": wire_time(hook.created),
        }
        if hook.filter:
            body["filter"] = hook.filter
        if hook.secret:
            body["secret"] = hook.secret
        return body

    def _on_event(self, event: Event) -> None:
        data = self._data(event)
        for hook in list(self._hooks.values()):
            if hook.status != "active" or (hook.resource, hook.event) != (
                event.resource,
                event.event,
            ):
                continue
            if hook.owned_by != "org" and hook.creator.email.lower() != (
                event.series.host.email.lower()
            ):
                continue
            if not self._matches(hook, event, data):
                continue
            envelope = self.json(hook)
            envelope.pop("secret", None)
            envelope["status"] = "active"
            if event.actor is not None:
                envelope["actorId"] = event.actor.person_id
            envelope["data"] = data
            self._send(Envelope(webhook=hook, body=envelope))

    def _matches(self, hook: Webhook, event: Event, data: dict[str, Any]) -> bool:
        facts = {k: str(v) for k, v in data.items() if isinstance(v, str | bool | int)}
        facts["hostPersonId"] = event.series.host.person_id
        facts["hostUserId"] = event.series.host.person_id
        facts["meetingNumber"] = event.series.meeting_number
        return all(facts.get(k) == v for k, v in hook.filters().items())

    def _data(self, event: Event) -> dict[str, Any]:
        site, series, now = self._site, event.series, self._site.clock.now()
        if event.participant is not None and event.instance is not None:
            return participant_json(series, event.instance, event.participant, site.org_uuid)
        if event.instance is not None:
            meeting = instance_json(series, event.instance, now)
        elif event.occurrence is not None:
            meeting = occurrence_json(series, event.occurrence, now)
        else:
            meeting = series_json(series, now)
        return meeting_event_data(series, meeting, site.org_uuid)
