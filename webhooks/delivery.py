"""The one place that makes outbound HTTP to webhook targets.

Everything else (the worker, verify, re-send) goes through `http_post`, so tests can aim
it at a real local receiver and nothing else in the sandbox opens sockets to webhooks.

The deadline
------------
`timeout` is the budget of a whole attempt, and the claim's lease (2 * timeout + 5 s, see
`webhooks.claims.lease_seconds`) counts on attempts ending within it: an attempt still
running after the lease would be sent again by another worker. A socket timeout bounds one
socket operation, not their sum, so the attempt is taken a step at a time, and each step
waits at most the time left until the deadline when the step starts:

- Connecting: each address tried (urllib3's connect timeout), and for HTTPS each socket
  operation of the TLS handshake. The DNS lookup before it has no timeout.
- Sending the request: each of its two socket writes (head, then body). A webhook body
  fits in the socket's buffers, so in practice this does not wait.
- The status line and headers, over plain HTTP: as a whole. The attempt first waits,
  peeking without reading, until the blank line that ends them has arrived (or the end
  of the stream), so a receiver that sends them a byte at a time is cut at the deadline.
  A head longer than 64 KiB is awaited that far, then read as over HTTPS. Over HTTPS the
  bytes cannot be peeked at: each socket read of the head waits at most the time left
  when the head began.
- The body: read a piece at a time, the deadline checked before each piece, each piece
  waiting at most the time left. With a content-length (what receivers send) a piece is
  one socket read, so a receiver that trickles its body is cut at the deadline. A piece
  of a chunked or compressed body can take a few socket reads (a chunk-size line, more
  input for the decoder), each waiting up to the time left at the piece's start.

So over plain HTTP with a content-length an attempt ends by the deadline, give or take the
DNS lookup and scheduling delays. Where one step takes several socket reads (the HTTPS
head, a piece of a chunked or compressed body), a receiver that trickles those bytes just
faster than the time left can hold the attempt longer, up to that many reads: that is the
price of using the library's reads as they are.

An answer whose last byte arrives after the deadline counts as a timeout, whatever its
status.
"""

import socket
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPException

import certifi
import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.response import HTTPResponse
from urllib3.util import parse_url, wait_for_read

# What the delivery log keeps of a response body (bytes, UTF-8 decoded with replacement).
RESPONSE_BODY_LIMIT = 4096
# How far the plain-HTTP head is awaited as a whole (http.client allows more, read per read).
HEAD_PEEK_LIMIT = 65536
# Keep-alive connections a thread keeps, to as many receivers (urllib3's PoolManager default).
KEPT_CONNECTIONS = 10

_local = threading.local()


@dataclass
class HttpResult:
    """What happened on the wire for one POST."""

    status_code: int | None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    latency_ms: float = 0.0
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def http_post(*, uri: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> HttpResult:
    """POST `body` to `uri` once. Never raises for network trouble: it is in the result.

    `timeout` bounds the whole attempt, from connecting to the last byte of the answer (see
    the module's docstring for what exactly); an answer still arriving when it runs out
    counts as a timeout, whatever its status.
    """
    timeout = settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    result: HttpResult | None = None
    error = ""
    connection: HTTPConnection | None = None
    try:
        url = parse_url(uri)
        connection = _connection(url.scheme or "http", url.host or "", url.port)
        result = _post(connection, url.request_uri, body, headers, deadline)
    except urllib3.exceptions.NewConnectionError as exc:
        # (A subclass of ConnectTimeoutError, for history's sake: it is no timeout.)
        error = f"connection failed: {_reason(exc)}"
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        pass
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, HTTPException, OSError) as exc:
        error = f"connection failed: {_reason(exc)}"
    except urllib3.exceptions.HTTPError as exc:
        error = f"request failed: {_reason(exc)}"
    finally:
        if result is None and connection is not None:
            # Whatever state the exchange was left in, the next attempt starts afresh.
            connection.close()
    latency_ms = (time.perf_counter() - started) * 1000
    in_time = time.monotonic() <= deadline
    if result is not None and in_time:
        result.latency_ms = latency_ms
        return result
    if not in_time or not error:
        error = f"timed out after {timeout:g} s"
    return HttpResult(status_code=None, latency_ms=latency_ms, error=error)


def _post(
    connection: HTTPConnection, target: str, body: bytes, headers: dict[str, str], deadline: float
) -> HttpResult:
    if connection.sock is None:
        connection.timeout = _time_left(deadline)
        connection.connect()
    connection.timeout = _time_left(deadline)
    connection.request("POST", target, body=body, headers=headers, preload_content=False)
    # Kept from here: a `Connection: close` answer detaches it from the connection.
    sock = connection.sock
    if sock is None:
        raise urllib3.exceptions.ProtocolError("the connection closed while the request was sent")
    if not isinstance(connection, HTTPSConnection):
        _await_head(sock, deadline)
    connection.timeout = _time_left(deadline)
    response = connection.getresponse()
    content = _read_body(response, sock, deadline)
    if len(content) > RESPONSE_BODY_LIMIT:
        # The rest is not read: the connection cannot be reused.
        connection.close()
    # Redirects are not followed: like any non-2xx answer, a 3xx counts as a failure.
    return HttpResult(
        status_code=response.status,
        response_headers={name.lower(): value for name, value in response.headers.itermerged()},
        response_body=content[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace"),
    )


def _connection(scheme: str, host: str, port: int | None) -> HTTPConnection:
    """This thread's keep-alive connection to the receiver, opened on first use.

    urllib3's connections directly rather than requests (whose transport they are):
    requests' per-call work (settings merging, cookie jars, hooks, response wrapping) cost
    0.34 ms of CPU per POST even through HTTPAdapter.send, against 0.17 ms for urllib3.
    Rather than its PoolManager too, because `_await_head` needs the connection between
    sending and reading. Connections are never shared between threads, proxies from the
    environment are never used, and certificates are checked against the CA bundle
    requests uses (certifi). No retries: a failed attempt is the worker's to schedule.
    """
    if scheme not in ("http", "https"):
        raise urllib3.exceptions.URLSchemeUnknown(scheme)
    if not host:
        raise urllib3.exceptions.LocationValueError("No host specified.")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    kept: dict[tuple[str, str, int | None], HTTPConnection] | None = getattr(_local, "connections", None)
    if kept is None:
        kept = _local.connections = {}
    key = (scheme, host, port)
    connection = kept.pop(key, None)
    if connection is None:
        if scheme == "https":
            connection = HTTPSConnection(host, port, ca_certs=certifi.where())
        else:
            connection = HTTPConnection(host, port)
    elif connection.sock is not None and not connection.is_connected:
        # The receiver closed it while idle (or sent something unasked for).
        connection.close()
    # Most recently used last; past the limit the least recently used one goes.
    kept[key] = connection
    if len(kept) > KEPT_CONNECTIONS:
        kept.pop(next(iter(kept))).close()
    return connection


def _await_head(sock: socket.socket, deadline: float) -> None:
    """Wait until the status line and headers have arrived, or raise TimeoutError at the deadline.

    Reading them is left to http.client, whose socket reads each wait the full socket
    timeout: a head that arrives a byte at a time would never time out. Peeking leaves
    the bytes where they are. Between two peeks the socket's low-water mark makes the
    wait end only once more bytes than seen have arrived (TCP honours it in poll on Linux
    and macOS), so a slow head costs a wake-up per segment, not a busy loop.
    """
    seen = 0
    try:
        while True:
            if not wait_for_read(sock, timeout=_time_left(deadline)):
                raise TimeoutError
            head = sock.recv(HEAD_PEEK_LIMIT, socket.MSG_PEEK)
            # Nothing new though readable: the receiver closed; http.client says how.
            if len(head) <= seen or b"\r\n\r\n" in head or len(head) >= HEAD_PEEK_LIMIT:
                return
            seen = len(head)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, seen + 1)
    finally:
        if seen:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)


def _read_body(response: HTTPResponse, sock: socket.socket, deadline: float) -> bytes:
    """Up to RESPONSE_BODY_LIMIT + 1 bytes of the body, each read waiting at most the time left."""
    pieces: list[bytes] = []
    size = 0
    while size <= RESPONSE_BODY_LIMIT:
        left = _time_left(deadline)
        # Once the body is all in, http.client lets go of the socket (and closes it if the
        # answer said `Connection: close`); what is left to return is buffered.
        if not response.closed:
            sock.settimeout(left)
        # read1, not read: read(n) loops over socket reads until it has n bytes.
        piece = response.read1(RESPONSE_BODY_LIMIT + 1 - size)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


def _time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        # (A socket timeout of 0 would mean "do not wait", not "too late".)
        raise TimeoutError
    return left


def _reason(exc: Exception) -> str:
    # urllib3 wraps socket errors; the innermost one names the cause
    # ("Connection refused", "Name or service not known").
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or inner.__class__.__name__
    return text if len(text) <= 300 else text[:300] + "…"
