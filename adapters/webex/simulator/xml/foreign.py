"""A site that is not ours: listings written as another XML stack would.

With ``SimulatedSite.foreign_listings`` on, LstsummarySession answers mean
the same but look different from the simulator's usual bytes, so the
client's row memo is exercised on markup it was not written against:

- rows in another order (by host, then newest key first), whatever the
  request's ``order`` asks;
- each row's fields in another order (alphabetical by name);
- other namespace prefixes (``ns2`` for ep, ``ns3`` for com; the ``xsi:type``
  QName follows), declared once on the root;
- UTF-8 instead of ISO-8859-1, with double-quoted attributes and an
  indentation of two spaces per level, and empty elements self-closed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from .protocol import NSMAP, XSI_NS
from .records import Meeting

__all__ = ["foreign_order", "foreign_rows_sorted", "render_foreign"]

#: Prefixes by namespace, as another stack names them.
_PREFIXES: dict[str, str] = {
    NSMAP["serv"]: "serv",
    NSMAP["ep"]: "ns2",
    NSMAP["com"]: "ns3",
    XSI_NS: "xsi",
}


def foreign_order(meeting: Meeting) -> tuple[str, int]:
    """The sort key of a foreign site's rows: host, then newest key first."""
    return meeting.host.lower(), -int(meeting.key)


def foreign_rows_sorted(rows: list[Meeting]) -> None:
    """Sort ``rows`` in place the foreign way."""
    rows.sort(key=foreign_order)


def _name(tag: str) -> str:
    qname = etree.QName(tag)
    prefix = _PREFIXES.get(qname.namespace or "")
    return qname.localname if prefix is None else f"{prefix}:{qname.localname}"


def _attribute_value(name: str, value: str) -> str:
    if etree.QName(name).namespace == XSI_NS and ":" in value:
        # A QName in a value: its prefix is the answer's, so rename it too.
        prefix, local = value.split(":", 1)
        namespace = NSMAP.get(prefix)
        if namespace is not None and namespace in _PREFIXES:
            return f"{_PREFIXES[namespace]}:{local}"
    return value


def _write(element: etree._Element, depth: int, out: list[str], *, sort: bool) -> None:
    pad = "  " * depth
    attributes = "".join(
        f" {_name(str(k))}={quoteattr(_attribute_value(str(k), str(v)))}"
        for k, v in element.attrib.items()
    )
    if depth == 0:
        attributes += "".join(f' xmlns:{p}="{ns}"' for ns, p in _PREFIXES.items())
    tag = _name(element.tag)
    children = list(element)
    if sort:
        children.sort(key=lambda c: etree.QName(c.tag).localname)
    if not children:
        text = element.text or ""
        out.append(
            f"{pad}<{tag}{attributes}>{escape(text)}</{tag}>\n"
            if text
            else f"{pad}<{tag}{attributes}/>\n"
        )
        return
    out.append(f"{pad}<{tag}{attributes}>\n")
    for child in children:
        # Sort the fields inside each row, not the rows themselves.
        _write(child, depth + 1, out, sort=etree.QName(child.tag).localname == "session")
    out.append(f"{pad}</{tag}>\n")


def render_foreign(body: bytes) -> bytes:
    """``body`` (a response the simulator rendered) as the foreign site writes it."""
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(root, 0, out, sort=False)
    return "".join(out).encode("utf-8")
