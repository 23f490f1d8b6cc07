"""Webhook deliveries: signed, forged and oversized bodies, envelopes, and the
content identity that recognises a repeat (pure, table-driven)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.errors import WebhookDecodeError, WebhookSignatureError, WebhookTooLargeError
from adapters.webex.rest.webhook import (
    MAX_BODY_BYTES,
    check_delivery,
    delivery_identity,
    parse_envelope,
    sign,
    signature_matches,
)
from tests.restsim import samples

SECRET = "86dacc007724d8ea666f88fc77d918dad9537a15"
ENDED: dict[str, Any] = samples()["meetings_ended_webhook_delivery"]["body"]


def _body(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode()


def test_the_signature_is_cisco_s_hex_hmac_sha1_of_the_raw_body() -> None:
    body = _body(ENDED)
    expected = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert sign(body, SECRET) == expected
    assert len(expected) == 40 and expected == expected.lower()


@pytest.mark.parametrize(
    ("signature", "secret", "body_change", "matches"),
    [
        ("right", SECRET, b"", True),
        ("RIGHT", SECRET, b"", True),
        ("right", "another-secret", b"", False),
        ("right", SECRET, b" ", False),  # one byte more than was signed
        (None, SECRET, b"", False),
        ("", SECRET, b"", False),
        ("0" * 40, SECRET, b"", False),
        ("zz", SECRET, b"", False),
        ("é" * 40, SECRET, b"", False),
        ("right", "", b"", False),
    ],
)
def test_only_the_right_signature_of_the_exact_bytes_matches(
    signature: str | None, secret: str, body_change: bytes, matches: bool
) -> None:
    body = _body(ENDED)
    given = signature
    if signature in ("right", "RIGHT"):
        given = sign(body, SECRET)
        given = given.upper() if signature == "RIGHT" else given
    assert signature_matches(body + body_change, given, secret) is matches


def test_a_signed_delivery_is_read() -> None:
    body = _body(ENDED)
    delivery = check_delivery(body, sign(body, SECRET), SECRET)
    assert delivery.webhook_id == ENDED["id"]
    assert (delivery.resource, delivery.event) == ("meetings", "ended")
    assert delivery.data_id == "501e995485e2460bb129410116757b13_I_194316955237236650"
    assert delivery.data["state"] == "ended"
    assert delivery.name == "Meeting Ended Webhook"
    assert delivery.owned_by == "creator"
    assert delivery.created == datetime(2021, 5, 14, 20, 20, 1, 24000, tzinfo=UTC)
    with pytest.raises(TypeError):
        delivery.data["state"] = "inProgress"  # type: ignore[index]


@pytest.mark.parametrize("signature", [None, "", "deadbeef" * 5])
def test_a_forged_or_unsigned_delivery_is_refused(signature: str | None) -> None:
    with pytest.raises(WebhookSignatureError):
        check_delivery(_body(ENDED), signature, SECRET)


def test_an_oversized_body_is_refused_before_its_signature_is_checked() -> None:
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    with pytest.raises(WebhookTooLargeError) as caught:
        check_delivery(body, sign(body, SECRET), SECRET)
    assert (caught.value.size, caught.value.limit) == (len(body), MAX_BODY_BYTES)
    small = _body(ENDED)
    with pytest.raises(WebhookTooLargeError):
        check_delivery(small, "forged", SECRET, max_bytes=len(small) - 1)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2, 3]",
        _body({k: v for k, v in ENDED.items() if k != "data"}),
        _body({**ENDED, "data": {"state": "ended"}}),
        _body({**ENDED, "resource": ""}),
        _body({k: v for k, v in ENDED.items() if k != "event"}),
    ],
)
def test_a_signed_body_that_is_no_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookDecodeError):
        check_delivery(body, sign(body, SECRET), SECRET)


def _with(change: dict[str, Any], **envelope: Any) -> Any:
    changed = copy.deepcopy(ENDED)
    changed["data"].update(change)
    changed.update(envelope)
    return parse_envelope(_body(changed))


PARTICIPANT = {
    "id": "560d7b784f5143e3be2fc3064a5c4999_3c2e2338-e950-43bf-b588-573773ee43d1",
    "meetingId": "3a688f62840346e8b87dde2b50703511_I_197977258267247872",
    "state": "lobby",
    "host": False,
    "joinedTime": "2026-01-05T09:05:00Z",
}


def _joined(**change: Any) -> Any:
    envelope = {**ENDED, "resource": "meetingParticipants", "event": "joined"}
    envelope["data"] = {**PARTICIPANT, **change}
    return parse_envelope(_body(envelope))


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        # A repeat, even through another webhook, is the same delivery.
        (_with({}), _with({}), True),
        (_with({}), _with({}, id="another-webhook", created="2026-01-01T00:00:00Z"), True),
        (_with({}), _with({"hostEmail": "x@example.com"}), True),
        # The same instant written otherwise is the same.
        (_with({}), _with({"end": "2021-05-14T20:26:54+00:00"}), True),
        (_with({}), _with({"end": "2021-05-14T22:26:54+02:00"}), True),
        # What it says differs: another delivery.
        (_with({}), _with({"end": "2021-05-14T20:40:00Z"}), False),
        (_with({}), _with({"state": "inProgress"}), False),
        (_with({}), _with({}, event="started"), False),
        (_with({}), _with({"id": "501e995485e2460bb129410116757b13_I_2"}), False),
        (_joined(), _joined(), True),
        (_joined(), _joined(state="joined"), False),
        (_joined(), _joined(leftTime="2026-01-05T09:30:00Z"), False),
        (_joined(), _joined(joinedTime="2026-01-05T09:15:00Z"), False),
    ],
)
def test_a_delivery_is_recognised_by_what_it_says(first: Any, second: Any, same: bool) -> None:
    assert (delivery_identity(first) == delivery_identity(second)) is same


def test_the_identity_reads_as_what_happened() -> None:
    assert delivery_identity(_with({})) == (
        "meetings|ended|501e995485e2460bb129410116757b13_I_194316955237236650"
        "|state=ended|start=2021-05-14T20:25:19+00:00|end=2021-05-14T20:26:54+00:00"
    )
