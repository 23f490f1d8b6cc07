"""Hypothesis strategies shared by tests."""

from __future__ import annotations

from hypothesis import strategies as st

_WORDS = st.sampled_from(
    [
        "create",
        "Standup",
        "in",
        "at",
        "for",
        "private",
        "autolock",
        "lobby",
        "block",
        "5m",
        "2h",
        "25:00",
        "10:00",
        "2026-12-01",
        "status",
        "cancel",
        "list",
        "help",
        "subscribe",
        "unsubscribe",
        "host",
        "meeting",
        "events",
        "all",
        "123456789",
        '"',
        "\u201c",
        "&lt;!channel&gt;",
        "<!channel>",
        "started,ended",
        "7",
        "0",
        "20",
    ]
)

#: /webex command texts: arbitrary text, and sentences of the grammar's own words.
COMMAND_TEXTS = st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=10).map(" ".join))
