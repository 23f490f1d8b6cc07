"""What the bot answers: privacy of titles and passwords, error sentences, and how
Slack shows it (escaped mrkdwn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.chat import Message, Strong, message
from adapters.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    PrivateMeetingUnsupportedError,
    RateLimitedError,
    StartInPastError,
    WebexApiError,
    WebexDecodeError,
    WebexError,
)
from adapters.slack.mrkdwn import escape, mrkdwn, page_blocks
from adapters.webex.models import CreatedMeeting, ExternalAttendeeSecurity, MeetingRequest
from adapters.webex.xmlapi.errors import SessionInfoBlockedError
from bot.commands import replies
from state.model import MeetingSnapshot

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOSTED = MeetingSnapshot(
    key="123456789",
    title="Pay <!here> & raises",
    host_email="Alice@acme.test",
    private=True,
    start=NOW,
    duration_minutes=30,
    last_seen=NOW,
)


def slack(said: Message) -> str:
    return mrkdwn(said)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("plain", "plain"),
    ],
)
def test_escape(text: str, escaped: str) -> None:
    assert escape(text) == escaped


@pytest.mark.parametrize(
    ("viewer", "shows_title"),
    [("alice@acme.test", True), ("ALICE@ACME.TEST", True), ("bob@acme.test", False), (None, False)],
)
def test_private_titles_only_for_the_host(viewer: str | None, shows_title: bool) -> None:
    runs = replies.snapshot_line(HOSTED, ZoneInfo("UTC"), viewer)
    assert (Strong("Pay <!here> & raises") in runs) is shows_title
    line = mrkdwn(message(runs))
    assert ("Pay &lt;!here&gt; &amp; raises" in line) is shows_title
    assert ("Private meeting" in line) is not shows_title
    assert "<!here>" not in line


def test_announcement_never_carries_the_password() -> None:
    request = MeetingRequest(title="Sync", start=NOW + timedelta(hours=1))
    created = CreatedMeeting(meeting_key="1", password="hunter2", attendee_url="https://x/j")
    assert "hunter2" not in slack(replies.announcement(request, created, "U1"))
    assert "hunter2" in slack(replies.created_private(request, created, ZoneInfo("UTC")))


@pytest.mark.parametrize(
    ("security", "words"),
    [
        (ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY, "outsiders wait in the lobby"),
        (ExternalAttendeeSecurity.BLOCK_FROM_JOIN, "outsiders cannot join"),
        (ExternalAttendeeSecurity.ALLOW_JOIN, "outsiders join directly"),
    ],
)
def test_options_are_shown_in_words(security: ExternalAttendeeSecurity, words: str) -> None:
    request = MeetingRequest(
        title="Sync",
        start=NOW + timedelta(hours=1),
        private=True,
        auto_lock_minutes=5,
        external_attendee_security=security,
    )
    created = CreatedMeeting(meeting_key="1", password="p", attendee_url="https://x/j")
    text = slack(replies.created_private(request, created, ZoneInfo("UTC")))
    assert f"• Options: private, auto-lock after 5 min, {words}" in text
    assert security.value not in text


def test_home_blocks_group_live_and_upcoming() -> None:
    live = MeetingSnapshot(key="1", title="Live one", start=NOW, in_progress=True, last_seen=NOW)
    later = MeetingSnapshot(
        key="2", title="Later one", start=NOW + timedelta(hours=2), last_seen=NOW
    )
    page = replies.home_page([live, later], ZoneInfo("UTC"), "a@acme.test")
    assert [s.heading for s in page.sections] == ["Live now", "Upcoming"]
    assert page.footnote is None
    texts = [b["text"]["text"] for b in page_blocks(page) if b["type"] == "section"]
    assert texts[0].startswith("*Live now*\n• *Live one* (1)")
    assert texts[1].startswith("*Upcoming*\n• *Later one* (2)")
    empty = page_blocks(replies.home_page([], ZoneInfo("UTC"), None))
    assert empty[1]["text"]["text"] == "*Live now*\n_Nothing._"
    assert empty[-1]["type"] == "context" and "email" in str(empty[-1])


@pytest.mark.parametrize(
    ("error", "fragments"),
    [
        (StartInPastError("past", detail="060016"), ["past", "060016", "use `in 5m`"]),
        (NotFoundError("Meeting does not exist", detail="060001"), ["no such meeting", "060001"]),
        (AccessDeniedError("denied", detail="000001"), ["does not let", "000001"]),
        (CredentialsError("Incorrect", detail="030002"), ["credentials", "030002"]),
        (RateLimitedError("API Rate Limit Reached", detail="000045"), ["slow down", "60 s"]),
        (SessionInfoBlockedError(NOW + timedelta(hours=2)), ["10:00 UTC"]),
        (PrivateMeetingUnsupportedError(), ["private meetings"]),
        (WebexDecodeError("truncated"), ["did not answer properly"]),
        (WebexApiError("040014", "Missing <fields>"), ["Missing &lt;fields&gt;", "040014"]),
        (WebexError("odd"), ["could not"]),
    ],
)
def test_webex_errors_are_sentences(error: WebexError, fragments: list[str]) -> None:
    text = slack(replies.webex_error_text(error, doing="cancel meeting 1"))
    for fragment in fragments:
        assert fragment in text
    assert "Traceback" not in text and "\n" not in text
