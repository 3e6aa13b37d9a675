"""What Daphne's HTTP server refuses before the application sees a request, answered in JSON.

Twisted parses each request (line, headers and the whole body) before Daphne hands it to
the application, so a limit the application enforces comes after the body has been read:
a 300 MB upload was read to its end, then queued in memory for the application, before
its 400. And Twisted's own refusals carry no body (`HTTP/1.1 400 Bad Request` for a NUL
byte in a header or more than 500 headers) or are no answer at all (a header line of
16 KB or more drops the connection).

`LimitedHTTPChannel` is Twisted's HTTP channel with those moments answered:

- a body over its path's limit (gateway_sim.body_limits) is refused from its
  Content-Length once the headers are in, before `100 Continue` and before any of it is
  read; a chunked body once the limit is passed;
- headers too many or too large get 431, a request line of 16 KB or more 414, anything
  Twisted cannot parse 400, each with a JSON body in the path's dialect.

After a refusal the answer goes out, the sending side is closed and whatever the client
still sends is read and thrown away for at most `LINGER_SECONDS`: most clients send their
whole body before they read, and closing outright would reset the connection under them
before they saw the answer. Memory stays bounded: nothing of a refused body is kept.

Twisted's one place for requests it cannot parse is a private method
(`_respondToBadRequestAndDisconnect`); it is overridden here because the alternative is
re-implementing Twisted's request parser. tests/gateway_sim/test_http_limits.py fails if a
Twisted upgrade stops calling it. Daphne's factory builds this channel directly, without
Twisted's HTTP/2-negotiating wrapper: the sandbox serves plain HTTP/1.1.
"""

from typing import Any

from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure
from twisted.web import http

from gateway_sim.body_limits import (
    BodyLimit,
    Refusal,
    body_limit_for,
    path_of_target,
    refusal_answer,
    refusal_response,
)

# How long a refused client may go on sending before the connection is cut.
LINGER_SECONDS = 10.0


class LimitedHTTPChannel(http.HTTPChannel):
    """Twisted's HTTP/1.1 channel that answers every request it refuses, in JSON."""

    request_path = ""
    _awaiting_request_line = True
    _header_count = 0
    _header_bytes = 0
    _refused = False
    # The IDelayedCall that cuts a lingering connection (Any: zope interfaces confuse mypy).
    _linger: Any = None

    # --- receiving ---------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        if self._refused:
            return  # the answer is out: the rest of the request is thrown away
        super().dataReceived(data)

    def rawDataReceived(self, data: bytes) -> None:
        if self._refused:
            return
        super().rawDataReceived(data)

    def lineReceived(self, line: bytes) -> None:
        if self._refused:
            return
        if self._awaiting_request_line and line:
            # Noted before Twisted parses it: a refusal of a malformed request still knows
            # which API the path belongs to.
            self._awaiting_request_line = False
            self.request_path = path_of_target(_target_of(line))
            self._header_count = self._header_bytes = 0
        self._header_bytes += len(line)
        if self._header_bytes > self.totalHeadersSize:
            message = f"The request line and headers are larger than {self.totalHeadersSize} bytes."
            self.refuse(Refusal(431, "header_fields_too_large", message))
            return
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        # LineReceiver's hook for a line of MAX_LENGTH or more (it would just disconnect).
        if self._awaiting_request_line:
            self.request_path = path_of_target(_target_of(line))
            message = f"The request line is longer than {self.MAX_LENGTH} bytes."
            self.refuse(Refusal(414, "uri_too_long", message))
        else:
            message = f"A header line is longer than {self.MAX_LENGTH} bytes."
            self.refuse(Refusal(431, "header_fields_too_large", message))

    def headerReceived(self, line: bytes) -> bool:
        if self._refused:
            return False
        self._header_count += 1
        if self._header_count > self.maxHeaders:
            message = f"The request has more than {self.maxHeaders} header fields."
            self.refuse(Refusal(431, "header_fields_too_large", message))
            return False
        return bool(super().headerReceived(line))

    def allHeadersReceived(self) -> None:
        limit = body_limit_for(self.request_path)
        if self.length is not None and self.length > limit.max_bytes:
            # Before Twisted's `100 Continue`: a client that waits for it never sends the body.
            self.refuse(limit.refusal(self.length))
            return
        request = self.requests[-1]
        if isinstance(request, LimitedRequest):
            request.body_limit = limit
        super().allHeadersReceived()

    def allContentReceived(self) -> None:
        if self._refused:
            return  # a refused chunked body's last chunk: nothing goes to the application
        self._awaiting_request_line = True
        super().allContentReceived()

    def _respondToBadRequestAndDisconnect(self) -> None:
        # Twisted's single answer to a request it cannot parse: a bad request line, a NUL,
        # CR or LF in a header value, a malformed header name, Content-Length or chunk.
        message = "The request is not valid HTTP/1.1: a malformed request line, header or chunked body."
        self.refuse(Refusal(400, "invalid_request", message))

    # --- refusing ----------------------------------------------------------------------

    def refuse(self, refusal: Refusal) -> None:
        """Answer `refusal`, stop reading the request, close once the client stops sending."""
        transport: Any = self.transport
        if self._refused or transport is None:
            return
        self._refused = True
        self.setTimeout(None)
        transport.write(refusal_response(self.request_path, refusal))
        # Half-close: the answer is followed by a FIN while the client's data is still
        # read (and dropped), so the client is not reset before it reads the answer.
        getattr(transport, "loseWriteConnection", transport.loseConnection)()
        self._linger = self.callLater(LINGER_SECONDS, self._cut)

    def _cut(self) -> None:
        self._linger = None
        transport: Any = self.transport
        if transport is not None:
            transport.abortConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        if self._linger is not None and self._linger.active():
            self._linger.cancel()
        self._linger = None
        super().connectionLost(reason)


class LimitedRequest:
    """Mixed into Daphne's request class: counts a chunked body against its path's limit and
    answers Daphne's own errors (a control byte in a header value, a crash in Daphne, an
    application that does not answer in time) in JSON instead of an HTML page."""

    body_limit: BodyLimit | None = None
    body_received = 0
    channel: Any

    def handleContentChunk(self, data: bytes) -> None:
        if self.body_limit is not None:
            self.body_received += len(data)
            if self.body_received > self.body_limit.max_bytes:
                if isinstance(self.channel, LimitedHTTPChannel):
                    self.channel.refuse(self.body_limit.refusal(None))
                return
        super().handleContentChunk(data)  # type: ignore[misc]

    def basic_error(self, status: int, status_text: bytes, body: str) -> None:
        path = path_of_target(getattr(self, "path", b"") or b"")
        code = {400: "invalid_request", 503: "service_unavailable"}.get(status, "internal_error")
        refusal = Refusal(status, code, f"{body}.")
        media_type, content = refusal_answer(path, refusal)
        start = {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type.encode()), (b"content-length", b"%d" % len(content))],
        }
        self.handle_reply(start)  # type: ignore[attr-defined]
        self.handle_reply({"type": "http.response.body", "body": content})  # type: ignore[attr-defined]


def _target_of(request_line: bytes) -> bytes:
    """The request target of a request line, or of the start of one too long to end."""
    parts = request_line.split(b" ")
    return parts[1] if len(parts) > 1 else b""


def daphne_with_limits() -> None:
    """Have Daphne's server use `LimitedHTTPChannel` and `LimitedRequest`. Safe to call again."""
    from daphne import http_protocol

    http_protocol.HTTPFactory.protocol = LimitedHTTPChannel
    if issubclass(http_protocol.WebRequest, LimitedRequest):
        return
    base = http_protocol.WebRequest

    class LimitedWebRequest(LimitedRequest, base):  # type: ignore[valid-type, misc]
        pass

    http_protocol.WebRequest = LimitedWebRequest
