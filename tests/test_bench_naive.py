"""The pure parts of bench_e2e's naive column: what the naive poller says of a
change, how the bench matches it, and how it reads the poller's block report."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from adapters.errors import NotFoundError
from adapters.webex.xmlapi.models import SessionInfo, SessionStatus
from bench.e2e_naive import blocked_after
from bench.e2e_scenario import Change, match
from bench.naive_poller import Seen, news, seen_of

OUT = Seen(in_progress=False, host=False)
WAITING = Seen(in_progress=True, host=False)
HOSTED = Seen(in_progress=True, host=True)


@pytest.mark.parametrize(
    ("before", "now", "said", "kind"),
    [
        (OUT, OUT, None, None),
        (OUT, WAITING, "In progress", "started"),
        (OUT, HOSTED, "In progress, host present", "started"),
        (WAITING, HOSTED, "In progress, host present", "host_joined"),
        (HOSTED, HOSTED, None, None),
        (HOSTED, WAITING, None, None),  # the host leaving is not news here
        (WAITING, OUT, "Ended", "ended"),
        (HOSTED, OUT, "Ended", "ended"),
    ],
)
def test_each_change_is_said_in_words_the_bench_matches(
    before: Seen, now: Seen, said: str | None, kind: str | None
) -> None:
    assert news(before, now) == said
    if kind is not None:
        change = Change("Standup", kind, at=1.0)
        body = urlencode({"channel": "C1", "text": f"Standup: {said}"})
        match([change], [(2.0, "chat.postMessage", body)])
        assert change.seen == 2.0


@pytest.mark.parametrize(
    ("answer", "seen"),
    [
        (SessionInfo(session_key="1", status=SessionStatus.IN_PROGRESS), WAITING),
        (
            SessionInfo(
                session_key="1", status=SessionStatus.IN_PROGRESS, has_host_in_meeting=True
            ),
            HOSTED,
        ),
        (SessionInfo(session_key="1", has_host_in_meeting=True), OUT),
        (NotFoundError("Meeting not found", detail="060001"), OUT),
    ],
)
def test_an_answer_reads_as_its_state(answer: SessionInfo | NotFoundError, seen: Seen) -> None:
    assert seen_of(answer) == seen


@pytest.mark.parametrize(
    ("lines", "after"),
    [
        (["watching 10041"], None),
        (["watching 10041", "blocked 7.5 2026-12-02T12:00:00+00:00"], 7.5),
        (["watching 3", "blocked 7.5 x", "blocked 9000.0 y"], 7.5),
    ],
)
def test_the_first_block_reported_is_when_it_was_blocked(
    lines: list[str], after: float | None
) -> None:
    assert blocked_after(lines) == after
