"""Webex webhook deliveries: signature, envelope, and what makes two the same.

Pure functions, no I/O. Rules (Cisco's Webhooks guide and its
"Using a webhook secret" post):

1. A webhook created with a ``secret`` signs each delivery: the
   ``X-Spark-Signature`` header is the lower-case hex HMAC-SHA1 of the raw
   body bytes, keyed with the secret. It is compared in constant time; a
   missing or wrong signature refuses the delivery.
2. The size cap is checked first, before any hashing or parsing.
3. The envelope is JSON ``{id, name, resource, event, filter, orgId,
   createdBy, appId, ownedBy, status, created, actorId, data}``. Its ``id``
   and ``created`` are the *webhook's*, the same for every delivery, so they
   identify nothing about the event.
4. A delivery's identity is what it says: resource, event, the id of
   ``data`` and the data's state and times (a meeting's ``state``, ``start``
   and ``end``; a participant's ``meetingId``, ``state``, ``joinedTime`` and
   ``leftTime``). A repeat of the same delivery has the same identity; a
   later change of the same meeting or participant has another.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from adapters.errors import WebhookDecodeError, WebhookSignatureError, WebhookTooLargeError

__all__ = [
    "MAX_BODY_BYTES",
    "SIGNATURE_HEADER",
    "WebhookDelivery",
    "check_delivery",
    "delivery_identity",
    "parse_envelope",
    "sign",
    "signature_matches",
]

SIGNATURE_HEADER = "X-Spark-Signature"
#: The largest body accepted. Cisco's meeting deliveries are about 1.5 kB; a
#: participant's with its devices a few kB.
MAX_BODY_BYTES = 64 * 1024

# The fields of ``data`` that tell one event of a resource from the next.
_IDENTITY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "meetings": ("state", "start", "end"),
    "meetingParticipants": ("meetingId", "state", "joinedTime", "leftTime"),
}
_DEFAULT_IDENTITY_FIELDS = ("state", "created", "lastModified")
_TIME_FIELDS = frozenset({"start", "end", "joinedTime", "leftTime", "created", "lastModified"})


def sign(body: bytes, secret: str) -> str:
    """The ``X-Spark-Signature`` value of ``body`` for ``secret`` (rule 1)."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


def signature_matches(body: bytes, signature: str | None, secret: str) -> bool:
    """True when ``signature`` is the HMAC of ``body`` for ``secret``; compared
    in constant time, hex case ignored."""
    if not signature or not secret:
        return False
    given = signature.strip().lower().encode("ascii", "replace")
    return hmac.compare_digest(given, sign(body, secret).encode("ascii"))


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery:
    """One delivery's envelope. ``webhook_id`` and ``created`` are the
    webhook's (rule 3); ``data`` is the resource's JSON, read-only."""

    webhook_id: str
    resource: str
    event: str
    data: Mapping[str, Any] = field(compare=False)
    data_id: str
    name: str | None = None
    filter: str | None = None
    org_id: str | None = None
    owned_by: str | None = None
    actor_id: str | None = None
    created: datetime | None = None


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def _required(body: Mapping[str, Any], key: str, where: str = "envelope") -> str:
    value = _text(body, key)
    if value is None:
        raise WebhookDecodeError(f"the webhook {where} has no {key}")
    return value


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)).astimezone(
        UTC
    )


def parse_envelope(body: bytes) -> WebhookDelivery:
    """The envelope of a (verified) body.

    Raises:
        WebhookDecodeError: not JSON, not an object, or without ``id``,
            ``resource``, ``event`` and a ``data`` object with an ``id``.
    """
    try:
        envelope: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise WebhookDecodeError("the webhook body is not JSON") from e
    if not isinstance(envelope, dict):
        raise WebhookDecodeError("the webhook body is not a JSON object")
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise WebhookDecodeError("the webhook envelope has no data object")
    return WebhookDelivery(
        webhook_id=_required(envelope, "id"),
        resource=_required(envelope, "resource"),
        event=_required(envelope, "event"),
        data=MappingProxyType(data),
        data_id=_required(data, "id", "data"),
        name=_text(envelope, "name"),
        filter=_text(envelope, "filter"),
        org_id=_text(envelope, "orgId"),
        owned_by=_text(envelope, "ownedBy"),
        actor_id=_text(envelope, "actorId"),
        created=_instant(envelope.get("created")),
    )


def check_delivery(
    body: bytes, signature: str | None, secret: str, *, max_bytes: int = MAX_BODY_BYTES
) -> WebhookDelivery:
    """Size, then signature, then envelope (rules 1-3).

    Raises:
        WebhookTooLargeError: ``body`` is over ``max_bytes``.
        WebhookSignatureError: the signature is missing or wrong.
        WebhookDecodeError: a signed body that is not an envelope.
    """
    if len(body) > max_bytes:
        raise WebhookTooLargeError(len(body), max_bytes)
    if not signature_matches(body, signature, secret):
        what = "missing" if not signature else "wrong"
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} is {what}")
    return parse_envelope(body)


def _canonical(key: str, value: Any) -> str:
    if key in _TIME_FIELDS:
        moment = _instant(value)
        if moment is not None:
            return moment.isoformat()
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def delivery_identity(delivery: WebhookDelivery) -> str:
    """What a delivery says, as one string to recognise its repeats (rule 4).

    Times are compared as instants, so ``…Z`` and ``…+00:00`` are the same.
    """
    keys = _IDENTITY_FIELDS.get(delivery.resource, _DEFAULT_IDENTITY_FIELDS)
    facts = [f"{key}={_canonical(key, delivery.data.get(key))}" for key in keys]
    return "|".join([delivery.resource, delivery.event, delivery.data_id, *facts])
