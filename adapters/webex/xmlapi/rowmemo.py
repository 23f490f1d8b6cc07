"""LstsummarySession rows remembered by their bytes, so that known rows are
neither parsed nor modelled again.

Discovery asks the same question every minute and most rows come back byte
for byte the same. Parsing a 500-row page costs ~4 ms and reading its rows
through lxml ~8 ms more (see :mod:`.sessions`), for rows the client read a
minute ago. So the client keeps each row's model under a digest of the row's
bytes, and before parsing a page it *cuts* it:

- the body is split at each row's start tag; each row's bytes are digested;
- a row the memo knows is replaced by an empty row (start tag, end tag), a row
  it does not know stays as it is;
- the result, the *skeleton*, is what lxml parses: the envelope, matching
  records and new rows, with every safety rule of :mod:`.xml`.

Known rows come from the memo, new rows are read from the skeleton and learned.
On a quiet site a page's skeleton is ~3% of its bytes.

Why this reads exactly what parsing the whole body would. A row's model is a
function of its bytes and of what they are read in: the namespaces in scope at
its parent, the document's encoding, the time-zone table (its revision) and the
dateScope zone, and the rows' prefix. When any of them changes, the memo is
emptied: the caller's part before the cut, the document's once the skeleton
is parsed.
A body may answer several queries, one ``serv:bodyContent`` each (the live
poll sends its parts in one request); its rows are those of every answered
bodyContent, in document order. With ``p`` the rows' prefix and n those rows
in the skeleton, the cut is used only when:

1. every "<" in the body opens an element tag (:func:`.xml.plain_markup`), so
   each ``<p:session>`` and ``</p:session>`` is a tag of an element named
   ``p:session``;
2. ``xmlns:p`` occurs once in the skeleton, in the head (the bytes before the
   first row), and no known row declared it, so every element named
   ``p:session`` is in the namespace of the rows (an undeclared prefix does not
   parse); and every answered bodyContent has the same namespaces in scope, so
   a row recalled in another bodyContent than the one it was learned in is
   read in the same context;
3. the document holds exactly n ep ``session`` elements, its n rows, all
   direct children of answered bodyContents and spelled ``p:session``; no
   known row held one when learned (a row in a failed item's bodyContent, or
   anywhere else, fails this count);
4. the body holds exactly n ``<p:session>``.

Then each row starts at one of the n start tags. The rows are children of
bodyContents, which are siblings, so none lies inside another: each row ends
before the next one starts, and the bytes between two start tags are the row
and what follows it (with several bodyContents, perhaps the end of one, the
start of the next and its matchingRecords). No other element being named
``p:session``, the last ``</p:session>`` there is the row's end tag, and the
row's bytes are known exactly. A known row's bytes are balanced markup that
parsed in the same context, so replacing its content with nothing neither
hides an error nor changes another row: the skeleton is well-formed exactly
when the body is, and its header pairs the same answers with the same
bodyContents. A cut that fails a test is dropped and the whole body parsed.

Rows are keyed by SHA-256 (about 1 us per row with the CPU's SHA extensions).
Python's 64-bit ``hash`` would be cheaper, but a collision would put one
meeting's details, private title included, on another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from adapters.webex.xmlapi.models import SessionSummary
from adapters.webex.xmlapi.xml import EP, plain_markup

__all__ = ["Cut", "RowMemo"]

_SESSION: Final = f"{{{EP}}}session"
_COUNT_SESSIONS: Final = etree.XPath("count(//ep:session)", namespaces={"ep": EP})


@dataclass(frozen=True, slots=True)
class Cut:
    """A body with its known rows emptied.

    Attributes:
        skeleton: the bytes to parse instead of the body.
        rows: per row, in document order: its key and its remembered model, or
            None for a row left in the skeleton to be read.
        recalled: how many rows come from the memo.
    """

    skeleton: bytes
    rows: tuple[tuple[bytes, SessionSummary | None], ...]
    recalled: int


class RowMemo:
    """Models of summary rows already read, keyed by a digest of their bytes.

    Two generations of at most ``max_rows`` entries each: a row found in the
    older one moves to the newer, and when the newer is full it becomes the
    older. Rows that every listing returns stay; rows no longer returned fall
    out within two generations.
    """

    __slots__ = ("_context", "_document", "_new", "_old", "_prefix", "hits", "max_rows", "misses")

    def __init__(self, max_rows: int = 25_000) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.max_rows = max_rows
        self._new: dict[bytes, SessionSummary] = {}
        self._old: dict[bytes, SessionSummary] = {}
        self._context: Hashable = None
        self._document: Hashable = None
        self._prefix = "ep"
        #: Rows answered from the memo / read from XML through a cut.
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._new) + len(self._old)

    def clear(self) -> None:
        self._new.clear()
        self._old.clear()

    def cut(self, body: bytes, context: Hashable) -> Cut | None:
        """``body`` with its known rows emptied, or None when it cannot be cut
        (tests 1, 2 and 4 of the module's docstring; :meth:`fits` makes the rest
        once the skeleton is parsed).

        ``context`` names what besides the bytes a row's model depends on
        (time-zone table and revision, dateScope zone); when it differs from
        the last cut's, the memo is emptied first.
        """
        if context != self._context:
            self.clear()
            self._context = context
        if not plain_markup(body):
            return None
        p = self._prefix.encode("ascii")
        start_tag, end_tag = b"<" + p + b":session>", b"</" + p + b":session>"
        declaration = b"xmlns:" + p
        head, *parts = body.split(start_tag)
        if not parts or head.count(declaration) != 1:
            return None
        sha256 = hashlib.sha256
        new, old = self._new, self._old
        pieces = [head]
        rows: list[tuple[bytes, SessionSummary | None]] = []
        recalled = 0
        for part in parts:
            end = part.rfind(end_tag)
            if end < 0:
                return None
            end += len(end_tag)
            row = part[:end]
            key = sha256(row).digest()
            known = new.get(key) or old.get(key)
            if known is not None:
                recalled += 1
            rows.append((key, known))
            pieces += (start_tag, end_tag if known is not None else row, part[end:])
        skeleton = b"".join(pieces)
        if skeleton.count(declaration) != 1:
            return None
        return Cut(skeleton, tuple(rows), recalled)

    def fits(
        self, cut: Cut, contents: Sequence[etree._Element], rows: Sequence[etree._Element]
    ) -> bool:
        """Whether ``cut`` may be used, given its parsed skeleton: the answered
        bodyContents ``contents`` and their ``rows`` (the children named
        session, in document order).

        Every bodyContent must have the same namespaces in scope (else the cut
        does not fit), and they and the document's encoding must be those the
        recalled rows were learned in; when they are not, the memo is emptied,
        and the cut fits only if it recalled nothing. The caller then :meth:`put`s every row it keeps, recalled or read.
        """
        n = len(rows)
        if n != len(cut.rows) or rows[0].prefix != self._prefix:
            return False
        # //ep:session counts the whole document, whichever content it starts from.
        if any(row.tag != _SESSION for row in rows) or _COUNT_SESSIONS(contents[0]) != n:
            return False
        scopes = {frozenset(content.nsmap.items()) for content in contents}
        if len(scopes) != 1:
            return False
        document = (contents[0].getroottree().docinfo.encoding, scopes.pop())
        if document != self._document:
            self.clear()
            self._document = document
            if cut.recalled:
                return False
        self.hits += cut.recalled
        self.misses += n - cut.recalled
        return True

    def note_prefix(self, prefix: str | None) -> None:
        """The prefix a page's rows used, for cutting the next page."""
        if prefix and prefix.isascii() and prefix != self._prefix:
            self._prefix = prefix
            self.clear()

    def put(self, key: bytes, summary: SessionSummary) -> None:
        """Remember ``summary`` as the model of the row whose key is ``key``;
        a full generation becomes the older one."""
        self._new[key] = summary
        if len(self._new) >= self.max_rows:
            self._old = self._new
            self._new = {}
