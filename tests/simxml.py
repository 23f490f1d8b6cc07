"""Hand-rolled XML API requests and response readers for the simulator tests.

Deliberately independent of the project's client: requests are built with
ElementMaker the way Cisco's samples show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import ClientSession
from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]

SERV = "http://www.webex.com/schemas/2002/06/service"
EP = "http://www.webex.com/schemas/2002/06/service/ep"
MEET = "http://www.webex.com/schemas/2002/06/service/meeting"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
E = ElementMaker(nsmap={"serv": SERV, "xsi": XSI})
S = ElementMaker(namespace=SERV, nsmap={"serv": SERV, "xsi": XSI})
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def content(operation: str, *children: etree._Element) -> etree._Element:
    """A bodyContent for ``<pkg>.<Operation>``, e.g. ``ep.GetSessionInfo``."""
    element: etree._Element = E.bodyContent(*children)
    element.set(f"{{{XSI}}}type", f"java:com.webex.service.binding.{operation}")
    return element


def message(
    *contents: etree._Element,
    webex_id: str | None = "admin",
    password: str | None = "admin-pass",
    site_name: str = "acme",
    ticket: str | None = None,
    encoding: str = "UTF-8",
) -> bytes:
    context = E.securityContext(E.siteName(site_name))
    if webex_id is not None:
        context.append(E.webExID(webex_id))
    if password is not None:
        context.append(E.password(password))
    if ticket is not None:
        context.append(E.sessionTicket(ticket))
    root = S.message(E.header(context), E.body(*contents))
    data = etree.tostring(root, encoding=encoding, xml_declaration=True)
    assert isinstance(data, bytes)
    return data


@dataclass
class Item:
    result: str
    exception_id: str | None
    reason: str | None
    body: etree._Element

    def text(self, path: str) -> str | None:
        """Text at a path of local names below the bodyContent, e.g. ``schedule/startDate``."""
        element: etree._Element | None = self.body
        for step in path.split("/"):
            assert element is not None
            element = next(
                (c for c in element if etree.QName(c).localname == step),
                None,
            )
            if element is None:
                return None
        assert element is not None
        return element.text

    def all(self, name: str) -> list[etree._Element]:
        return [c for c in self.body if etree.QName(c).localname == name]


def parse(raw: bytes) -> list[Item]:
    root = etree.fromstring(raw, PARSER)
    responses = root.findall(f"{{{SERV}}}header/{{{SERV}}}response")
    bodies = root.findall(f"{{{SERV}}}body/{{{SERV}}}bodyContent")
    assert len(responses) == len(bodies)
    return [
        Item(
            result=r.findtext(f"{{{SERV}}}result") or "",
            exception_id=r.findtext(f"{{{SERV}}}exceptionID"),
            reason=r.findtext(f"{{{SERV}}}reason"),
            body=b,
        )
        for r, b in zip(responses, bodies, strict=True)
    ]


async def post(session: ClientSession, url: str, data: bytes) -> tuple[int, bytes]:
    async with session.post(url, data=data, headers={"Content-Type": "text/xml"}) as response:
        return response.status, await response.read()


async def call(session: ClientSession, url: str, data: bytes) -> list[Item]:
    status, raw = await post(session, url, data)
    assert status == 200, raw
    return parse(raw)
