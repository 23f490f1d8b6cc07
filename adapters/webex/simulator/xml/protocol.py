"""The XML API wire format as the simulated site speaks it.

Requests are parsed with one hardened parser (no entities, no network, no
DTD), from bytes, so UTF-8 and ISO-8859-1 documents both work. Element names
are matched by local name, case-insensitively and whatever their namespace,
because Webex accepts ``sessionKey``/``sessionkey`` and ``serv:``-prefixed
``listControl`` children. Responses are built with ElementMaker using the
prefixes of Cisco's samples and sent as ISO-8859-1 with character references.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]

__all__ = [
    "EP",
    "MEET",
    "MTGTYPE",
    "SERV",
    "SITE",
    "USE",
    "Body",
    "Outcome",
    "ParsedRequest",
    "RequestError",
    "SecurityContext",
    "SimFailure",
    "add_fields",
    "bool_text",
    "parse_request",
    "render_response",
]

_BASE = "http://www.webex.com/schemas/2002/06"
SERV_NS = f"{_BASE}/service"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP: dict[str | None, str] = {
    "serv": SERV_NS,
    "com": f"{_BASE}/common",
    "ep": f"{_BASE}/service/ep",
    "meet": f"{_BASE}/service/meeting",
    "att": f"{_BASE}/service/attendee",
    "use": f"{_BASE}/service/user",
    "ns1": f"{_BASE}/service/site",
    "mtgtype": f"{_BASE}/service/meetingtype",
    "xsi": XSI_NS,
}


class _Maker:
    """A typed face for ElementMaker (lxml-stubs has none): ``EP.status("x")``."""

    def __init__(self, namespace: str) -> None:
        self._maker = ElementMaker(namespace=namespace, nsmap=NSMAP)

    def __getattr__(self, tag: str) -> Callable[..., etree._Element]:
        return cast(Callable[..., etree._Element], getattr(self._maker, tag))


SERV = _Maker(SERV_NS)
EP = _Maker(NSMAP["ep"])
MEET = _Maker(NSMAP["meet"])
USE = _Maker(NSMAP["use"])
SITE = _Maker(NSMAP["ns1"])
MTGTYPE = _Maker(NSMAP["mtgtype"])

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_TYPE_PREFIX = "java:com.webex.service.binding."
#: Request bodies larger than this are refused before parsing.
MAX_REQUEST_BYTES = 1_000_000


class RequestError(Exception):
    """The request is not an XML API message; answered with one FAILURE."""


class SimFailure(Exception):
    """One bodyContent failed: becomes a FAILURE ``serv:response``."""

    def __init__(self, exception_id: str, reason: str, value: str | None = None) -> None:
        super().__init__(f"{exception_id} {reason}")
        self.exception_id = exception_id
        self.reason = reason
        self.value = value


def add_fields(
    parent: etree._Element, prefix: str, fields: Iterable[tuple[str, str]]
) -> etree._Element:
    """Append simple text children in ``prefix``'s namespace; returns ``parent``.

    Much cheaper than ElementMaker per element, which matters for pages of
    hundreds of session rows.
    """
    namespace = NSMAP[prefix]
    for name, text in fields:
        etree.SubElement(parent, f"{{{namespace}}}{name}").text = text
    return parent


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname.lower()


class Body:
    """Read access to one request element by case-insensitive local names."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def children(self, name: str) -> Iterator[Body]:
        wanted = name.lower()
        for child in self.element.iterchildren(etree.Element):
            if _local(child) == wanted:
                yield Body(child)

    def child(self, *names: str) -> Body | None:
        for name in names:
            for found in self.children(name):
                return found
        return None

    @property
    def text(self) -> str:
        return (self.element.text or "").strip()

    def text_of(self, *names: str) -> str | None:
        """The stripped text of the first child with one of ``names``."""
        found = self.child(*names)
        return None if found is None else found.text

    def bool_of(self, name: str) -> bool | None:
        text = self.text_of(name)
        if text is None or text == "":
            return None
        if text.lower() in ("true", "1"):
            return True
        if text.lower() in ("false", "0"):
            return False
        raise SimFailure("999999", f"Invalid value for {name}: {text}")

    def int_of(self, name: str) -> int | None:
        text = self.text_of(name)
        if text is None or text == "":
            return None
        try:
            return int(text)
        except ValueError:
            raise SimFailure("999999", f"Invalid value for {name}: {text}") from None

    def descendants_text(self, *names: str) -> list[str]:
        wanted = {n.lower() for n in names}
        return [
            (e.text or "").strip()
            for e in self.element.iter(etree.Element)
            if _local(e) in wanted and (e.text or "").strip()
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityContext:
    site_name: str | None
    webex_id: str | None
    password: str | None
    session_ticket: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedRequest:
    security: SecurityContext
    #: (operation as sent, e.g. ``GetSessionInfo``; its element) per bodyContent.
    items: tuple[tuple[str, Body], ...]

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(op for op, _ in self.items)


def parse_request(raw: bytes) -> ParsedRequest:
    """Parse a ``serv:message`` request.

    Raises:
        RequestError: too large, not XML, a DOCTYPE, or not a message.
    """
    if len(raw) > MAX_REQUEST_BYTES:
        raise RequestError("request too large")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as e:
        raise RequestError(f"not well-formed XML: {e.msg}") from e
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise RequestError("DOCTYPE is not allowed")
    message = Body(root)
    if _local(root) != "message":
        raise RequestError("the root element must be serv:message")
    header = message.child("header")
    context = None if header is None else header.child("securityContext")
    security = SecurityContext(
        site_name=None if context is None else context.text_of("siteName"),
        webex_id=None if context is None else context.text_of("webExID") or None,
        password=None if context is None else context.text_of("password"),
        session_ticket=None if context is None else context.text_of("sessionTicket") or None,
    )
    body = message.child("body")
    items: list[tuple[str, Body]] = []
    for content in [] if body is None else body.children("bodyContent"):
        xsi_type = content.element.get(f"{{{XSI_NS}}}type", "")
        name = xsi_type.removeprefix(_TYPE_PREFIX)
        # The package part varies between samples (``user.GetSite``): only the
        # operation name after the last dot decides.
        items.append((name.rsplit(".", 1)[-1], content))
    if not items:
        raise RequestError("the request has no bodyContent")
    return ParsedRequest(security=security, items=tuple(items))


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The answer to one bodyContent: a body, or a failure."""

    response_type: str | None = None
    children: Sequence[etree._Element] = ()
    failure: SimFailure | None = None


def render_response(outcomes: Sequence[Outcome]) -> bytes:
    """The whole ``serv:message`` response, ISO-8859-1 with character references."""
    header = SERV.header()
    body = SERV.body()
    for outcome in outcomes:
        response = SERV.response()
        failure = outcome.failure
        if failure is None:
            response.append(SERV.result("SUCCESS"))
            response.append(SERV.gsbStatus("PRIMARY"))
            content = SERV.bodyContent()
            if outcome.response_type is not None:
                content.set(f"{{{XSI_NS}}}type", outcome.response_type)
            content.extend(outcome.children)
        else:
            response.append(SERV.result("FAILURE"))
            response.append(SERV.reason(failure.reason))
            response.append(SERV.gsbStatus("PRIMARY"))
            response.append(SERV.exceptionID(failure.exception_id))
            if failure.value is not None:
                response.append(SERV.value(failure.value))
            content = SERV.bodyContent()
        header.append(response)
        body.append(content)
    message = SERV.message(header, body)
    return cast(bytes, etree.tostring(message, encoding="ISO-8859-1", xml_declaration=True))
