"""The one place XML API responses are turned from bytes into lxml elements.

Rules (each one a known attack or a known Webex quirk):

1. A body with a DOCTYPE or an entity declaration is refused before lxml sees
   it: the XML API never sends one, and they are how billion-laughs and
   external-entity attacks start.
2. The parser resolves no entities, loads no DTD, touches no network and keeps
   lxml's default limits (``huge_tree=False``).
3. The size cap is enforced by the caller while reading the body
   (:func:`check_size` is the same rule for bodies already in memory).
4. Bytes are parsed, never decoded strings: responses are often declared
   ISO-8859-1 with non-Latin text as character references.
5. Elements are matched by namespace URI and local name, never by prefix, and
   local names case-insensitively (``sessionKey``/``sessionkey``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from lxml import etree

from adapters.errors import UnsafeXmlError, WebexDecodeError

__all__ = [
    "COM",
    "DEFAULT_MAX_BODY_BYTES",
    "EP",
    "MEET",
    "MTGTYPE",
    "SERV",
    "SITE",
    "USE",
    "XSI",
    "FieldTable",
    "check_size",
    "children",
    "local_name",
    "parse_document",
    "plain_markup",
    "text_of",
]

_BASE = "http://www.webex.com/schemas/2002/06/"
SERV: Final = _BASE + "service"
COM: Final = _BASE + "common"
EP: Final = SERV + "/ep"
MEET: Final = SERV + "/meeting"
USE: Final = SERV + "/user"
SITE: Final = SERV + "/site"
MTGTYPE: Final = SERV + "/meetingtype"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"

DEFAULT_MAX_BODY_BYTES: Final = 20 * 1024 * 1024

_PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

# Byte patterns, so the check runs before any decoding. Markup declarations are
# case-sensitive in XML; in text content "<" is always escaped, so these can only
# appear as declarations (or inside comments/CDATA, which Webex does not send).
_FORBIDDEN: Final = (b"<!DOCTYPE", b"<!ENTITY")
# Past this many "!" or "?" bytes, a plain substring search beats visiting each.
_MAX_MARKS: Final = 256
# UTF-16/32 would hide the patterns above from a byte search; Webex sends neither.
_WIDE_BOMS: Final = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def check_size(size: int, limit: int) -> None:
    """Raises UnsafeXmlError when ``size`` bytes exceed ``limit``."""
    if size > limit:
        raise UnsafeXmlError(f"response body larger than the {limit}-byte cap")


def parse_document(body: bytes, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> etree._Element:
    """Parse one response body and return its ``serv:message`` root.

    Raises:
        UnsafeXmlError: DOCTYPE / ENTITY declarations, a wide encoding, or a body
            over ``max_bytes``.
        WebexDecodeError: empty, truncated or non-XML bodies, or a root that is
            not ``serv:message``.
    """
    check_size(len(body), max_bytes)
    # isspace() is strip()'s whitespace set without copying the whole body.
    if not body or body.isspace():
        raise WebexDecodeError("empty response body")
    if body.startswith(_WIDE_BOMS) or _declares_markup(body):
        raise UnsafeXmlError("response has a DOCTYPE, entity declarations or a wide encoding")
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as e:
        raise WebexDecodeError(f"response is not well-formed XML: {e.msg}") from e
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError("response has a document type declaration")
    if root.tag != f"{{{SERV}}}message":
        raise WebexDecodeError("response root is not serv:message")
    return root


def _openers(body: bytes, mark: bytes) -> Iterator[int]:
    """Offsets of every ``<`` + ``mark`` in ``body``, in order.

    ``mark`` ("!" or "?") is rare in responses and found by memchr, whereas a
    search for a needle starting with "<" stops at every tag: on a 700 KB page
    this takes ~10 us instead of ~300 us per pattern. Past _MAX_MARKS marks the
    needle search is the cheaper one, and the rest is searched that way.
    """
    i = body.find(mark)
    for _ in range(_MAX_MARKS):
        if i < 0:
            return
        if i and body[i - 1] == 0x3C:  # "<"
            yield i - 1
        i = body.find(mark, i + 1)
    needle = b"<" + mark
    i = body.find(needle, max(i - 1, 0)) if i >= 0 else -1
    while i >= 0:
        yield i
        i = body.find(needle, i + 1)


def _declares_markup(body: bytes) -> bool:
    """Whether ``body`` holds a DOCTYPE or an ENTITY declaration (rule 1)."""
    return any(body.startswith(_FORBIDDEN, i) for i in _openers(body, b"!"))


def plain_markup(body: bytes) -> bool:
    """Whether every "<" in ``body`` opens an element tag: no comment, CDATA
    section, declaration or processing instruction, bar a leading XML declaration.

    In such a body a byte pattern like ``<ep:session>`` can only be a start tag.
    """
    no_bang = next(_openers(body, b"!"), None) is None
    return no_bang and all(i == 0 for i in _openers(body, b"?"))


# Tag string -> lower-cased local name; tags repeat across rows, so this is small.
_LOCAL_CACHE: dict[str, str] = {}


def local_name(tag: str) -> str:
    """``{ns}localName`` -> ``localname`` (lower case), cached."""
    name = _LOCAL_CACHE.get(tag)
    if name is None:
        name = tag.rpartition("}")[2].lower()
        if len(_LOCAL_CACHE) < 4096:
            _LOCAL_CACHE[tag] = name
    return name


def text_of(element: etree._Element) -> str:
    """The element's own text, stripped ("" when empty)."""
    text = element.text
    return text.strip() if text else ""


def children(parent: etree._Element, namespace: str, name: str) -> Iterator[etree._Element]:
    """Direct children in ``namespace`` whose local name is ``name`` in any case."""
    wanted = name.lower()
    prefix = f"{{{namespace}}}"
    for child in parent:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(prefix) and local_name(tag) == wanted:
            yield child


_UNSEEN: Final = "\0unseen"


class FieldTable:
    """Maps a row's child tags to field names in one dict lookup per child.

    Built from ``{local name: field}`` for one namespace; local names match in
    any case. Unknown children map to None and are ignored by callers. Text is
    stripped, except for the ``raw`` fields (titles: what the user typed).
    """

    __slots__ = ("_cache", "_fields", "_prefix", "_raw")

    def __init__(
        self, namespace: str, fields: Mapping[str, str], *, raw: frozenset[str] = frozenset()
    ) -> None:
        self._prefix = f"{{{namespace}}}"
        self._fields = {name.lower(): field for name, field in fields.items()}
        self._raw = raw
        self._cache: dict[str, str | None] = {}

    def field_for(self, tag: object) -> str | None:
        """The field a child with this tag fills, or None."""
        if not isinstance(tag, str):
            return None
        if tag in self._cache:
            return self._cache[tag]
        field = None
        if tag.startswith(self._prefix):
            field = self._fields.get(tag[len(self._prefix) :].lower())
        if len(self._cache) < 1024:
            self._cache[tag] = field
        return field

    def read(self, row: etree._Element) -> dict[str, str]:
        """``{field: text}`` for the row's known direct children (last one wins)."""
        # The hot loop of every listing: one dict hit per child, no call.
        values: dict[str, str] = {}
        cache = self._cache
        raw = self._raw
        for child in row:
            tag = child.tag
            # Comments and PIs are dropped by the parser, so tags are strings; a
            # stray non-string tag still lands in field_for, which ignores it.
            field = cache.get(tag, _UNSEEN)
            if field is _UNSEEN:
                field = self.field_for(tag)
            if field is not None:
                text = child.text or ""
                values[field] = text if field in raw else text.strip()
        return values
