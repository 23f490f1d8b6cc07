"""What the store keeps for the REST backend: its newest tokens and the webhook inbox.

Rules:

1. Tokens. Webex hands out a new refresh token with each renewal and the old
   one may stop working, so the newest set is persisted the moment it is
   received. ``origin`` fingerprints the configured tokens the set descends
   from (:func:`token_origin`): at start the persisted set is used while the
   configuration still names the same origin, and a changed configuration
   (a new token pasted into the environment) wins over the persisted set.
2. Inbox. A verified delivery is persisted before it is acknowledged, and
   processed afterwards. Webex's envelope ``id`` is the webhook's, the same for
   every delivery, so a repeat is recognised by ``identity``: what the delivery
   says (resource, event, the resource's id, its state and times). A delivery
   whose identity the inbox already holds is not stored again; processed
   deliveries are kept :data:`INBOX_RETENTION` for that comparison, then
   forgotten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from state.model import require_aware

__all__ = ["INBOX_RETENTION", "InboxItem", "StoredTokens", "token_origin"]

#: How long a processed delivery is kept to recognise its repeats.
INBOX_RETENTION = timedelta(days=1)


def token_origin(*configured: str | None) -> str:
    """A fingerprint of the configured tokens (rule 1): the same tokens give the
    same text, which reveals nothing of them."""
    joined = "\0".join(value or "" for value in configured)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTokens:
    """The newest REST tokens (rule 1); secrets stay out of ``repr``."""

    access_token: str = field(repr=False)
    expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: datetime | None = None
    origin: str
    saved_at: datetime

    def __post_init__(self) -> None:
        if not self.access_token:
            raise ValueError("access_token must not be empty")
        if not self.origin:
            raise ValueError("origin must not be empty")
        require_aware("expires_at", self.expires_at)
        require_aware("refresh_expires_at", self.refresh_expires_at)
        require_aware("saved_at", self.saved_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxItem:
    """One persisted webhook delivery, waiting to be processed (rule 2).

    ``body`` is the delivery's raw JSON text, as verified.
    """

    id: int
    identity: str
    body: str = field(repr=False)
    received_at: datetime

    def __post_init__(self) -> None:
        if not self.identity:
            raise ValueError("identity must not be empty")
        require_aware("received_at", self.received_at)
