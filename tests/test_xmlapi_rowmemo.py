"""Listing rows recalled by their bytes read exactly as rows read from XML.

Every test compares the memo's answer with a page read without a memo: the
memo may only make reading cheaper, never different.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.errors import WebexDecodeError, WebexError
from adapters.webex.timezones import TimeZoneTable, default_table
from adapters.webex.xmlapi import sessions
from adapters.webex.xmlapi.envelope import split_outcomes
from adapters.webex.xmlapi.models import SessionSummary, TimeZoneInfo
from adapters.webex.xmlapi.rowmemo import RowMemo
from adapters.webex.xmlapi.xml import parse_document

SERV = "http://www.webex.com/schemas/2002/06/service"
EP = "http://www.webex.com/schemas/2002/06/service/ep"
TABLE = default_table()


@dataclass(frozen=True)
class Row:
    key: int
    title: str = "Team Meeting"
    host: str = "alice"
    status: str = "NOT_INPROGRESS"
    start: str = "03/01/2026 09:00:00"
    zone: int = 4
    label: str = "GMT-08:00, Pacific (San Jose)"
    joined: bool = False

    def xml(self, p: str = "ep") -> str:
        title = self.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return (
            f"<{p}:session><{p}:sessionKey>{self.key}</{p}:sessionKey>\n"
            f"<{p}:confName>{title}</{p}:confName><{p}:hostWebExID>{self.host}</{p}:hostWebExID>"
            f"<{p}:timeZoneID>{self.zone}</{p}:timeZoneID><{p}:timeZone>{self.label}</{p}:timeZone>"
            f"<{p}:status>{self.status}</{p}:status><{p}:startTime>{self.start}</{p}:startTime>"
            f"<{p}:duration>60</{p}:duration>"
            f"<{p}:hostJoined>{str(self.joined).lower()}</{p}:hostJoined></{p}:session>"
        )


def page(
    rows: list[Row],
    *,
    p: str = "ep",
    encoding: str = "UTF-8",
    row_xml: list[str] | None = None,
    head: str = "",
    tail: str = "",
) -> bytes:
    body = "".join(row_xml) if row_xml is not None else "".join(r.xml(p) for r in rows)
    n = len(row_xml) if row_xml is not None else len(rows)
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<serv:message xmlns:serv="{SERV}" xmlns:{p}="{EP}"><serv:header><serv:response>'
        "<serv:result>SUCCESS</serv:result></serv:response></serv:header><serv:body>"
        f"<serv:bodyContent>{head}<{p}:matchingRecords><serv:total>{n}</serv:total>"
        f"<serv:returned>{n}</serv:returned></{p}:matchingRecords>\n{body}{tail}"
        "</serv:bodyContent></serv:body></serv:message>"
    )
    return text.encode(encoding, "xmlcharrefreplace")


def answer(body: bytes) -> etree._Element:
    (content,) = split_outcomes(parse_document(body), "LstsummarySession")
    if isinstance(content, Exception):
        raise content
    return content


def read(
    body: bytes,
    memo: RowMemo | None = None,
    tz: TimeZoneTable | None = None,
    scope: int | None = 0,
) -> list[SessionSummary]:
    table = tz if tz is not None else TABLE
    if memo is None:
        return sessions.session_page(answer(body), table, scope).sessions
    return sessions.summary_page(body, answer, table, scope, memo).sessions


ROWS = [Row(key=k, title=f"Meeting {k}", start=f"03/01/2026 {k % 24:02d}:30:00") for k in range(8)]


def test_a_page_read_twice_is_recalled_the_second_time() -> None:
    memo = RowMemo()
    body = page(ROWS)
    expected = read(body)
    assert read(body, memo) == expected
    assert (memo.hits, memo.misses) == (0, len(ROWS))
    again = read(body, memo)
    assert again == expected
    assert (memo.hits, memo.misses) == (len(ROWS), len(ROWS))


def test_cisco_sample_listing_is_recalled() -> None:
    body = (Path(__file__).parent / "fixtures" / "lstsummarysession_seed.xml").read_bytes()
    memo = RowMemo()
    assert read(body, memo, scope=None) == read(body, scope=None)
    assert read(body, memo, scope=None) == read(body, scope=None)
    assert (memo.hits, memo.misses) == (2, 2)


def test_only_changed_rows_are_read_again() -> None:
    memo = RowMemo()
    read(page(ROWS), memo)
    changed = list(ROWS)
    changed[3] = replace(changed[3], status="INPROGRESS", joined=True)
    changed[5] = replace(changed[5], title="Renamed")
    body = page(changed)
    assert read(body, memo) == read(body)
    assert memo.misses == len(ROWS) + 2


def test_rows_that_moved_to_another_page_are_recalled() -> None:
    memo = RowMemo()
    read(page(ROWS[:5]), memo)
    shifted = page(ROWS[1:7])
    assert read(shifted, memo) == read(shifted)
    assert memo.hits == 4


def test_known_rows_are_not_parsed_again() -> None:
    memo = RowMemo()
    body = page(ROWS)
    read(body, memo)
    cut = memo.cut(body, (TABLE, TABLE.revision, 0))
    assert cut is not None and cut.recalled == len(ROWS)
    assert len(cut.skeleton) < len(body) // 2
    assert b"Meeting 3" not in cut.skeleton


def test_rows_with_another_prefix_are_recalled_from_the_second_page_on() -> None:
    memo = RowMemo()
    body = page(ROWS, p="x")
    for _ in range(3):
        assert read(body, memo) == read(body)
    assert memo.hits == len(ROWS)


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b.replace(b"</ep:confName>", b"</ep:confNam>", 1),
        lambda b: b.replace(b"Meeting 5", b"Meeting &bogus; 5"),
        lambda b: b[: len(b) // 2],
    ],
)
def test_a_damaged_page_is_refused_even_when_its_other_rows_are_known(damage) -> None:
    memo = RowMemo()
    body = page(ROWS)
    read(body, memo)
    with pytest.raises(WebexDecodeError):
        read(damage(body), memo)


def fallback_pages() -> dict[str, bytes]:
    first = ROWS[0].xml()
    rest = [r.xml() for r in ROWS[1:]]
    inner = first.replace(
        "</ep:session>", "<ep:session><ep:sessionKey>9</ep:sessionKey></ep:session></ep:session>"
    )
    return {
        "comment": page(ROWS, tail="<!-- <ep:session> -->"),
        "cdata title": page(
            [], row_xml=[first.replace("Meeting 0", "<![CDATA[Meeting 0]]>"), *rest]
        ),
        "processing instruction": page(ROWS, tail="<?keep going?>"),
        "row with an attribute": page(
            [], row_xml=[first.replace("<ep:session>", '<ep:session id="1">'), *rest]
        ),
        "row start tag with a space": page(
            [], row_xml=[first.replace("<ep:session>", "<ep:session >"), *rest]
        ),
        "unprefixed rows": page(
            [],
            row_xml=[
                r.xml("ep").replace("ep:", "").replace("<session>", f'<session xmlns="{EP}">')
                for r in ROWS
            ],
        ),
        "prefix declared twice": page(ROWS, head=f'<ep:extra xmlns:ep="{EP}"/>'),
        "prefix declared again in a row": page(
            [], row_xml=[first.replace("<ep:confName>", f'<ep:confName xmlns:ep="{EP}">'), *rest]
        ),
        "nested session": page([], row_xml=[inner, *rest]),
    }


@pytest.mark.parametrize("case", sorted(fallback_pages()))
def test_pages_that_cannot_be_cut_exactly_are_read_row_by_row(case: str) -> None:
    body = fallback_pages()[case]
    memo = RowMemo()
    assert read(body, memo) == read(body)
    assert read(body, memo) == read(body)
    assert memo.hits == 0


def test_rows_declaring_other_prefixes_are_recalled() -> None:
    declaring = [r.xml().replace("<ep:confName>", f'<ep:confName xmlns:x="{EP}">') for r in ROWS]
    body = page([], row_xml=declaring)
    memo = RowMemo()
    assert read(body, memo) == read(body)
    assert read(body, memo) == read(body)
    assert memo.hits == len(ROWS)


def test_the_same_bytes_in_another_encoding_are_read_again() -> None:
    row = Row(key=1, title="Caf\u00e9")
    utf8 = page([row])
    latin = utf8.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    memo = RowMemo()
    assert read(utf8, memo)[0].conf_name == "Caf\u00e9"
    assert read(latin, memo)[0].conf_name == "Caf\u00c3\u00a9"
    assert memo.hits == 0


def test_another_date_scope_zone_is_read_again() -> None:
    body = page(ROWS[:2])
    memo = RowMemo()
    in_scope = read(body, memo, scope=0)
    own_zone = read(body, memo, scope=None)
    assert own_zone == read(body, scope=None)
    assert own_zone[0].start != in_scope[0].start
    assert memo.hits == 0


def test_a_changed_time_zone_table_is_read_again() -> None:
    tz = default_table()
    row = Row(key=1, zone=999, label="GMT+02:00, Somewhere")
    body = page([row])
    memo = RowMemo()
    before = read(body, memo, tz, scope=None)
    assert before[0].start == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    tz.refresh([TimeZoneInfo(id=999, description="GMT+03:00, Somewhere", gmt_offset_minutes=180)])
    after = read(body, memo, tz, scope=None)
    assert after[0].start == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert memo.hits == 0


def test_skipped_rows_are_not_remembered() -> None:
    broken = Row(key=42, start="not a time")
    memo = RowMemo()
    body = page([broken, ROWS[1]])
    assert [s.session_key for s in read(body, memo)] == ["1"]
    assert [s.session_key for s in read(body, memo)] == ["1"]
    assert (memo.hits, memo.misses) == (1, 3)


def test_the_memo_stays_within_two_generations() -> None:
    memo = RowMemo(max_rows=10)
    for batch in range(10):
        rows = [Row(key=batch * 100 + k) for k in range(7)]
        read(page(rows), memo)
        assert len(memo) <= 2 * memo.max_rows
    # The newest rows survive the rotation.
    latest = page([Row(key=900 + k) for k in range(7)])
    hits = memo.hits
    read(latest, memo)
    assert memo.hits == hits + 7


TITLES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(TITLES, min_size=1, max_size=6),
    changes=st.lists(st.tuples(st.integers(0, 5), TITLES, st.booleans()), max_size=4),
    prefix=st.sampled_from(["ep", "e", "EP2"]),
    encoding=st.sampled_from(["UTF-8", "ISO-8859-1"]),
)
def test_recalled_listings_equal_listings_read_afresh(
    titles: list[str], changes: list[tuple[int, str, bool]], prefix: str, encoding: str
) -> None:
    rows = [Row(key=k, title=t) for k, t in enumerate(titles)]
    memo = RowMemo()
    first = page(rows, p=prefix, encoding=encoding)
    assert read(first, memo) == read(first)
    for index, title, joined in changes:
        if index < len(rows):
            rows[index] = replace(rows[index], title=title, joined=joined)
    second = page(rows, p=prefix, encoding=encoding)
    assert read(second, memo) == read(second)


# Ways a row's markup may differ from the plain shape, each still well-formed
# XML that the slow path reads; the memo must either read it exactly or stay
# out of the way.
MUTATIONS = {
    "plain": lambda x, p: x,
    "space in start tag": lambda x, p: x.replace(f"<{p}:session>", f"<{p}:session >", 1),
    "space in end tag": lambda x, p: x.replace(f"</{p}:session>", f"</{p}:session >"),
    "attribute": lambda x, p: x.replace(f"<{p}:session>", f'<{p}:session n="1">', 1),
    "comment inside": lambda x, p: x.replace(f"</{p}:confName>", f"</{p}:confName><!--c-->"),
    "cdata title": lambda x, p: x.replace(f"<{p}:confName>", f"<{p}:confName><![CDATA[x]]>"),
    "entity in title": lambda x, p: x.replace(f"<{p}:confName>", f"<{p}:confName>&amp;&#233;"),
    "nested session": lambda x, p: x.replace(
        f"</{p}:confName>",
        f"</{p}:confName><{p}:session><{p}:sessionKey>9</{p}:sessionKey></{p}:session>",
    ),
    "prefix redeclared": lambda x, p: x.replace(
        f"<{p}:confName>", f'<{p}:confName xmlns:{p}="{EP}">'
    ),
    "prefix rebound": lambda x, p: x.replace(
        f"<{p}:confName>", f'<{p}:confName xmlns:{p}="urn:other">'
    ),
    "other prefix declared": lambda x, p: x.replace(
        f"<{p}:confName>", f'<{p}:confName xmlns:q="{EP}">'
    ),
    "session with another prefix": lambda x, p: x.replace(
        f"<{p}:session>", f'<q:session xmlns:q="{EP}">', 1
    ).replace(f"</{p}:session>", "</q:session>"),
    "case variant": lambda x, p: x.replace(f"<{p}:session>", f"<{p}:Session>", 1).replace(
        f"</{p}:session>", f"</{p}:Session>"
    ),
    "foreign session": lambda x, p: x.replace(
        f"<{p}:session>", '<session xmlns="urn:other">', 1
    ).replace(f"</{p}:session>", "</session>"),
}


# Mostly plain rows, so that many pages can be cut and rows recur across them.
MUTATION_MIX = ["plain"] * 3 * len(MUTATIONS) + sorted(MUTATIONS)


@settings(max_examples=150, deadline=None)
@given(
    pages=st.lists(
        st.lists(
            st.tuples(st.integers(0, 6), st.sampled_from(MUTATION_MIX), st.booleans()),
            min_size=1,
            max_size=5,
        ),
        min_size=2,
        max_size=4,
    ),
    prefix=st.sampled_from(["ep", "x"]),
)
def test_any_sequence_of_odd_pages_reads_as_without_memo(
    pages: list[list[tuple[int, str, bool]]], prefix: str
) -> None:
    memo = RowMemo()
    for rows in pages:
        xml = [
            MUTATIONS[mutation](Row(key=k, joined=joined).xml(prefix), prefix)
            for k, mutation, joined in rows
        ]
        body = page([], p=prefix, row_xml=xml)
        try:
            expected = read(body)
        except Exception as e:  # noqa: BLE001 - the memo must fail the same way
            with pytest.raises(type(e)):
                read(body, memo)
            continue
        assert read(body, memo) == expected


# --- answers to several bodyContents ------------------------------------------------

NO_RECORD = (
    "<serv:result>FAILURE</serv:result><serv:reason>Sorry, no record found</serv:reason>"
    "<serv:exceptionID>000015</serv:exceptionID>"
)


def answers(
    parts: list[list[str] | None], *, p: str = "ep", scopes: list[str] | None = None
) -> bytes:
    """One body answering ``parts``: each the rows' XML of one bodyContent, or
    None for a 000015 failure (its bodyContent left empty). ``scopes`` adds
    namespace declarations to each bodyContent's start tag."""
    responses = "".join(
        "<serv:response>"
        + (NO_RECORD if rows is None else "<serv:result>SUCCESS</serv:result>")
        + "</serv:response>"
        for rows in parts
    )
    contents = []
    for index, rows in enumerate(parts):
        scope = "" if scopes is None else scopes[index]
        if rows is None:
            contents.append(f"<serv:bodyContent{scope}/>")
            continue
        n = len(rows)
        contents.append(
            f"<serv:bodyContent{scope}><{p}:matchingRecords><serv:total>{n}</serv:total>"
            f"<serv:returned>{n}</serv:returned></{p}:matchingRecords>\n"
            + "".join(rows)
            + "</serv:bodyContent>"
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<serv:message xmlns:serv="{SERV}" xmlns:{p}="{EP}"><serv:header>{responses}'
        f"</serv:header><serv:body>{''.join(contents)}</serv:body></serv:message>"
    )
    return text.encode("utf-8", "xmlcharrefreplace")


def outcomes(body: bytes) -> list[etree._Element | WebexError]:
    return split_outcomes(parse_document(body), "LstsummarySession")


def read_all(body: bytes, memo: RowMemo | None = None) -> list[object]:
    """Per bodyContent: its rows, or the error's exceptionID."""
    found: Sequence[sessions.Page | WebexError]
    if memo is None:
        found = [
            o if isinstance(o, Exception) else sessions.session_page(o, TABLE, 0)
            for o in outcomes(body)
        ]
    else:
        found = sessions.summary_pages(body, outcomes, TABLE, 0, memo)
    return [page.detail if isinstance(page, WebexError) else page.sessions for page in found]


def test_rows_of_several_bodycontents_are_recalled_wherever_they_come_back() -> None:
    rows = [r.xml() for r in ROWS]
    memo = RowMemo()
    first = answers([rows[:3], None, rows[3:]])
    assert read_all(first, memo) == read_all(first)
    assert (memo.hits, memo.misses) == (0, len(ROWS))
    # The same rows, cut elsewhere: the third part's rows now answer the first.
    moved = answers([rows[5:], rows[:2], None, rows[2:5]])
    assert read_all(moved, memo) == read_all(moved)
    assert (memo.hits, memo.misses) == (len(ROWS), len(ROWS))
    cut = memo.cut(moved, (TABLE, TABLE.revision, 0))
    assert cut is not None and b"Meeting 3" not in cut.skeleton


def test_bodycontents_with_other_namespaces_in_scope_are_read_whole() -> None:
    rows = [r.xml() for r in ROWS]
    memo = RowMemo()
    plain = answers([rows[:4], rows[4:]])
    read_all(plain, memo)
    mixed = answers([rows[:4], rows[4:]], scopes=["", ' xmlns="urn:other"'])
    assert read_all(mixed, memo) == read_all(mixed)
    assert memo.hits == 0


def test_a_row_in_a_failed_items_bodycontent_stops_the_cut() -> None:
    rows = [r.xml() for r in ROWS]
    memo = RowMemo()
    body = answers([rows[:4], rows[4:]])
    read_all(body, memo)
    failed = body.replace(b"<serv:result>SUCCESS</serv:result>", NO_RECORD.encode(), 1)
    assert read_all(failed, memo) == read_all(failed)
    assert read_all(failed, memo)[0] == "000015"
    assert memo.hits == 0


@settings(max_examples=150, deadline=None)
@given(
    answers_=st.lists(
        st.lists(
            st.one_of(
                st.none(),
                st.lists(
                    st.tuples(st.integers(0, 6), st.sampled_from(MUTATION_MIX), st.booleans()),
                    max_size=4,
                ),
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=2,
        max_size=4,
    ),
    prefix=st.sampled_from(["ep", "x"]),
)
def test_any_sequence_of_multi_part_answers_reads_as_without_memo(
    answers_: list[list[list[tuple[int, str, bool]] | None]], prefix: str
) -> None:
    memo = RowMemo()
    for parts in answers_:
        xml = [
            None
            if rows is None
            else [
                MUTATIONS[mutation](Row(key=k, joined=joined).xml(prefix), prefix)
                for k, mutation, joined in rows
            ]
            for rows in parts
        ]
        body = answers(xml, p=prefix)
        try:
            expected = read_all(body)
        except Exception as e:  # noqa: BLE001 - the memo must fail the same way
            with pytest.raises(type(e)):
                read_all(body, memo)
            continue
        assert read_all(body, memo) == expected
