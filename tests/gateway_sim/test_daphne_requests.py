"""Daphne's requests leave form bodies to the application (see gateway_sim.http)."""

from types import SimpleNamespace

from daphne import http_protocol
from twisted.web.test.requesthelper import DummyChannel

from gateway_sim.http import daphne_without_form_parsing

FORM = b"name=Kim&text=hello"


def received(request_class: type) -> http_protocol.WebRequest:
    """A url-encoded POST received by a request of `request_class`, as Twisted's channel feeds
    it; the hand-over to the application (`process`) is left out."""
    channel = DummyChannel()
    channel.factory = SimpleNamespace(server=SimpleNamespace(protocol_connected=lambda request: None))
    request = request_class(channel)
    request.process = lambda: None
    request.requestHeaders.setRawHeaders(b"content-type", [b"application/x-www-form-urlencoded"])
    request.requestHeaders.setRawHeaders(b"content-length", [str(len(FORM)).encode()])
    request.gotLength(len(FORM))
    request.handleContentChunk(FORM)
    request.requestReceived(b"POST", b"/chat-gateway/v1/conversations", b"HTTP/1.1")
    return request


def test_the_requests_daphne_builds_keep_the_body_as_sent() -> None:
    daphne_without_form_parsing()
    daphne_without_form_parsing()
    factory = http_protocol.HTTPFactory(server=None)

    request = received(factory.buildProtocol(None).requestFactory)

    assert request.args == {}
    request.content.seek(0)
    assert request.content.read() == FORM
    # Daphne's own class, which Twisted's default applies to.
    [stock] = [cls for cls in http_protocol.WebRequest.__mro__ if cls.__module__ == "daphne.http_protocol"]
    assert received(stock).args == {b"name": [b"Kim"], b"text": [b"hello"]}
