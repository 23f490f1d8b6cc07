"""Delivery metadata round trip and its bound."""

from __future__ import annotations

from adapters.slack.mrkdwn import MAX_KEPT_KEYS, delivery_keys, delivery_metadata


def test_keys_round_trip_oldest_first() -> None:
    message = {"metadata": delivery_metadata("c", ["a", "b", "c"])}
    assert delivery_keys(message) == ("a", "b", "c")


def test_kept_keys_are_bounded() -> None:
    earlier = [f"k{i}" for i in range(100)]
    keys = delivery_keys({"metadata": delivery_metadata("new", earlier)})
    assert len(keys) == MAX_KEPT_KEYS
    assert keys[-1] == "new" and keys[-2] == "k99"


def test_foreign_or_missing_metadata_names_no_keys() -> None:
    assert delivery_keys({"text": "hi"}) == ()
    assert (
        delivery_keys({"metadata": {"event_type": "other", "event_payload": {"delivery_key": "x"}}})
        == ()
    )
    assert (
        delivery_keys({"metadata": {"event_type": "meetbot_delivery", "event_payload": "junk"}})
        == ()
    )
    assert delivery_keys("not a message") == ()
