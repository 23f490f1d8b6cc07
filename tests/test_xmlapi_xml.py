"""The hardened parser: hostile documents are refused with typed errors, Webex's
prefix, case and encoding variants are accepted."""

import pytest

from adapters.errors import UnsafeXmlError, WebexDecodeError
from adapters.webex.xmlapi.envelope import split_outcomes
from adapters.webex.xmlapi.xml import EP, children, parse_document, plain_markup, text_of

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service">&lol3;</serv:message>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service">&xxe;</serv:message>"""

MESSAGE = """<?xml version="1.0" encoding="ISO-8859-1"?>
<s:message xmlns:s="http://www.webex.com/schemas/2002/06/service"
           xmlns:x="http://www.webex.com/schemas/2002/06/service/ep">
<s:header><s:response><s:result>SUCCESS</s:result></s:response></s:header>
<s:body><s:bodyContent><x:SessionKey>1</x:SessionKey><x:confName>Caf\xe9 &#20250;</x:confName>
<x:newElement2031>?</x:newElement2031></s:bodyContent></s:body></s:message>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b'<?xml version="1.0"?><!DOCTYPE message SYSTEM "http://example.invalid/x.dtd"><message/>',
        "<message/>".encode("utf-16"),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "utf-16"],
)
def test_hostile_documents_are_refused(body: bytes) -> None:
    with pytest.raises(UnsafeXmlError):
        parse_document(body)


@pytest.mark.parametrize("bangs", [0, 1, 300], ids=["none", "one", "many"])
def test_declarations_are_found_among_any_number_of_exclamation_marks(bangs: int) -> None:
    # Past a few hundred "!" the search changes method; both must find a DOCTYPE.
    noise = b"<a>" + b"hey!" * bangs + b"</a>"
    with pytest.raises(UnsafeXmlError):
        parse_document(noise + BILLION_LAUGHS)
    assert parse_document(MESSAGE.replace("Caf", "Caf!" * bangs).encode("latin-1")) is not None


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        (b'<?xml version="1.0"?><a><b>x!?</b></a>', True),
        (b"<a><b>x</b></a>", True),
        (b"<a><!-- c --></a>", False),
        (b"<a><![CDATA[<b>]]></a>", False),
        (b'<?xml version="1.0"?><a><?pi x?></a>', False),
        (b"<a>" + b"!?" * 300 + b"</a>", True),
        (b"<a>" + b"!?" * 300 + b"<!-- c --></a>", False),
        (b"<a>" + b"!?" * 300 + b"<?pi?></a>", False),
    ],
)
def test_plain_markup_means_every_lt_opens_a_tag(body: bytes, plain: bool) -> None:
    assert plain_markup(body) is plain


def test_size_cap() -> None:
    with pytest.raises(UnsafeXmlError):
        parse_document(b"<a>" + b" " * 100 + b"</a>", max_bytes=50)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<html><body>Service unavailable",
        b'<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"><serv:hea',
        b"<message>not the XML API</message>",
    ],
    ids=["empty", "blank", "html", "truncated", "wrong-root"],
)
def test_unusable_bodies_are_decode_errors(body: bytes) -> None:
    with pytest.raises(WebexDecodeError):
        parse_document(body)


def test_prefix_case_and_latin1_variants() -> None:
    root = parse_document(MESSAGE.encode("latin-1"))
    (content,) = split_outcomes(root, "Test")
    assert not isinstance(content, Exception)
    assert [text_of(e) for e in children(content, EP, "sessionkey")] == ["1"]
    assert [text_of(e) for e in children(content, EP, "CONFNAME")] == ["Café 会"]


def test_header_without_response_is_a_decode_error() -> None:
    root = parse_document(
        b'<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"/>'
    )
    with pytest.raises(WebexDecodeError):
        split_outcomes(root, "Test")
