"""A fake XML API endpoint on loopback: records each request, answers through a
test-supplied function. For recorded and hand-made answers; the protocol-level
simulator lives in adapters/webex/simulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer
from lxml import etree

SERV = "http://www.webex.com/schemas/2002/06/service"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PATH = "/WBXService/XMLService"


@dataclass(frozen=True, slots=True)
class Failure:
    exception_id: str
    reason: str
    value: str | None = None


Answer = str | Failure  # success: the inner XML of serv:bodyContent


def envelope(answers: list[Answer], *, namespaces: str = "", encoding: str = "UTF-8") -> bytes:
    """A response message with one serv:response and one serv:bodyContent per answer."""
    header = []
    body = []
    for answer in answers:
        if isinstance(answer, Failure):
            value = "" if answer.value is None else f"<serv:value>{answer.value}</serv:value>"
            header.append(
                "<serv:response><serv:result>FAILURE</serv:result>"
                f"<serv:reason>{answer.reason}</serv:reason><serv:gsbStatus>PRIMARY</serv:gsbStatus>"
                f"<serv:exceptionID>{answer.exception_id}</serv:exceptionID>{value}</serv:response>"
            )
            body.append("<serv:bodyContent/>")
        else:
            header.append(
                "<serv:response><serv:result>SUCCESS</serv:result>"
                "<serv:gsbStatus>PRIMARY</serv:gsbStatus></serv:response>"
            )
            body.append(f'<serv:bodyContent xmlns:xsi="{XSI}">{answer}</serv:bodyContent>')
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<serv:message xmlns:serv="{SERV}" {namespaces}>'
        f"<serv:header>{''.join(header)}</serv:header><serv:body>{''.join(body)}</serv:body>"
        "</serv:message>"
    )
    return text.encode(encoding, errors="xmlcharrefreplace")


def operations(request: etree._Element) -> list[tuple[str, etree._Element]]:
    """(operation name, bodyContent) for each bodyContent of a request."""
    found = []
    for content in request.iter("bodyContent"):
        kind = content.get(f"{{{XSI}}}type", "")
        found.append((kind.rpartition(".")[2], content))
    return found


Responder = Callable[[etree._Element], Awaitable[web.StreamResponse]]


@dataclass
class FakeXmlApi:
    """Serve ``responder`` at PATH; ``requests`` keeps every parsed request."""

    responder: Responder
    requests: list[etree._Element] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            root = etree.fromstring(await request.read())
            self.requests.append(root)
            return await self.responder(root)
        finally:
            self.in_flight -= 1

    def operations(self) -> list[list[str]]:
        return [[name for name, _ in operations(r)] for r in self.requests]


async def start(fake: FakeXmlApi) -> tuple[TestServer, str]:
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    return server, str(server.make_url(PATH))


def xml_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="text/xml")
