"""A chat-neutral reply as Slack shows it (escaped mrkdwn, Block Kit) and as the
console shows it (plain text, no markup), from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.chat import (
    Badge,
    BulletList,
    CardTone,
    Code,
    Em,
    Inline,
    Link,
    Mention,
    Page,
    Paragraph,
    Reply,
    Section,
    Strong,
    When,
    message,
)
from adapters.console.render import plain, reply_text
from adapters.slack.mrkdwn import mrkdwn, page_blocks

AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("run", "slack", "console"),
    [
        ("a <!channel> & b", "a &lt;!channel&gt; &amp; b", "a <!channel> & b"),
        (Strong("Pay <b>"), "*Pay &lt;b&gt;*", "Pay <b>"),
        (Em("Times are in UTC."), "_Times are in UTC._", "Times are in UTC."),
        (Code("/webex list"), "`/webex list`", "`/webex list`"),
        (
            Link("https://x.example/j?a=1&b=2", "join"),
            "<https://x.example/j?a=1&amp;b=2|join>",
            "https://x.example/j?a=1&b=2",
        ),
        (
            When(AT),
            "<!date^1796203800^{date_short_pretty} {time}|Wed 2026-12-02 09:30 UTC>",
            "Wed 2026-12-02 09:30 UTC",
        ),
        (When(AT, BERLIN), "Wed 2026-12-02 10:30 CET", "Wed 2026-12-02 10:30 CET"),
        (Mention("U0DEMO"), "<@U0DEMO>", "@U0DEMO"),
        (Badge(CardTone.LIVE), ":red_circle:", "🟢"),
    ],
)
def test_each_run(run: Inline, slack: str, console: str) -> None:
    said = message((run,))
    assert mrkdwn(said) == slack
    assert plain(said, display_tz=UTC) == console


def test_a_time_for_each_reader_shows_in_the_consoles_zone() -> None:
    assert plain(message((When(AT),)), display_tz=BERLIN) == "Wed 2026-12-02 10:30 CET"


CREATED = message(
    ("Created ", Strong("Planning"), " (meeting 123)"),
    BulletList(
        (
            ("Starts: ", When(AT, UTC), ", 60 min"),
            ("Join link: ", Link("https://acme.example/j", "join")),
        )
    ),
) + message((Em("Times are in UTC: your Slack profile names no time zone."),))


def test_paragraphs_and_lists_are_lines() -> None:
    assert mrkdwn(CREATED) == (
        "Created *Planning* (meeting 123)\n"
        "• Starts: Wed 2026-12-02 09:30 UTC, 60 min\n"
        "• Join link: <https://acme.example/j|join>\n"
        "_Times are in UTC: your Slack profile names no time zone._"
    )
    assert plain(CREATED, display_tz=UTC) == (
        "Created Planning (meeting 123)\n"
        "• Starts: Wed 2026-12-02 09:30 UTC, 60 min\n"
        "• Join link: https://acme.example/j\n"
        "Times are in UTC: your Slack profile names no time zone."
    )


def test_the_console_cleans_every_run_and_keeps_the_lines_it_was_given() -> None:
    hostile = message((Strong("a\nb\x1b[2Jc"), " ok"), "second")
    assert plain(hostile, display_tz=UTC) == "a b\\x1b[2Jc ok\nsecond"


def test_the_console_shows_the_announcement_under_the_answer() -> None:
    reply = Reply(
        body=message("Created it."),
        announcement=message((Mention("U1"), " scheduled ", Strong("Sync"), " for ", When(AT))),
    )
    assert reply_text(reply, channel="#general", display_tz=UTC) == (
        "Created it.\n(to #general) @U1 scheduled Sync for Wed 2026-12-02 09:30 UTC"
    )
    assert reply_text(Reply(body=message("Done.")), channel="#x", display_tz=UTC) == "Done."


def test_a_page_is_a_header_sections_and_a_footnote() -> None:
    page = Page(
        title="Your Webex meetings",
        sections=(
            Section(heading="Live now", body=message(BulletList((("one",), ("two & more",))))),
            Section(heading="Upcoming", body=message((Em("Nothing."),))),
        ),
        footnote=message("No email <shared>."),
    )
    assert page_blocks(page) == [
        {"type": "header", "text": {"type": "plain_text", "text": "Your Webex meetings"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Live now*\n• one\n• two &amp; more"},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Upcoming*\n_Nothing._"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "No email &lt;shared&gt;."}]},
    ]


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Paragraph((b"bytes",)),  # type: ignore[arg-type]
        lambda: BulletList(((message("nested"),),)),  # type: ignore[arg-type]
        lambda: When(datetime(2026, 12, 2, 9, 30)),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_values_refuse_what_no_chat_could_show(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        bad()  # type: ignore[operator]


def test_a_start_in_another_zone_keeps_its_own_clock() -> None:
    later = When(AT + timedelta(hours=12), BERLIN)
    assert mrkdwn(message((later,))) == plain(message((later,)), display_tz=UTC)
