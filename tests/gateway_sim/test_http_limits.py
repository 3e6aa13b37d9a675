"""What the HTTP server refuses before the application, over a raw socket to a live sandbox.

Every case sends a request (or only its start) and asserts that an answer arrives: a
status, a JSON body in the path's dialect, and for bodies over their limit, before the
body has been sent.
"""

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.web import http

from gateway_sim.http_limits import LimitedHTTPChannel
from tests.live import LiveSandbox

# Bounds every wait on the server; an answer that does not come within it is a failure.
SOCKET_TIMEOUT = 5.0
HUGE = 300 * 1024 * 1024
MESSAGES = "/chat-gateway/v1/conversations/some-conversation/messages"
UPLOAD = "/chat-gateway/v1/conversations/some-conversation/attachments"
LEGACY = "/vcc/us/chat/v2/tenant/some-tenant/conversations"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split(" ")[1]), headers, body)


def exchange(sandbox: LiveSandbox, sent: bytes) -> Answer:
    """Send `sent` (a request or only its start) and read what comes back until the server
    closes its side. The socket stays open for sending: a server waiting for the rest of a
    body would time the read out."""
    address = urlsplit(sandbox.url)
    with socket.create_connection((address.hostname, address.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(sent)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return parse_answer(received)


def request_head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: sandbox", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def gateway_error(code: str, message: str) -> dict[str, Any]:
    return {"message": message, "errors": [{"code": code, "message": message}]}


MALFORMED = "The request is not valid HTTP/1.1: a malformed request line, header or chunked body."


def test_a_body_over_the_json_limit_is_refused_from_its_content_length_before_it_is_sent(
    live_sandbox: LiveSandbox,
) -> None:
    head = request_head("POST", MESSAGES, "Content-Type: application/json", f"Content-Length: {HUGE}")

    answer = exchange(live_sandbox, head + b'{"authorType": "user", "text": "' + b"a" * 65536)

    assert answer.status == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    message = f"The request body is {HUGE} bytes; request bodies are limited to 1048576 bytes."
    assert answer.json() == gateway_error("request_too_large", message)


def test_an_upload_over_the_attachment_limit_is_refused_before_it_is_sent(live_sandbox: LiveSandbox) -> None:
    head = request_head(
        "POST", UPLOAD, "Content-Type: multipart/form-data; boundary=b", f"Content-Length: {HUGE}"
    )

    answer = exchange(live_sandbox, head + b"--b\r\n" + b"a" * 65536)

    assert answer.status == 400
    message = f"The upload is {HUGE} bytes; attachments are limited to 26214400 bytes."
    assert answer.json() == gateway_error("attachment_too_large", message)


def test_an_upload_under_the_attachment_limit_is_not_held_to_the_json_limit(
    live_sandbox: LiveSandbox,
) -> None:
    body = b"--b--\r\n" + b" " * (2 * 1024 * 1024)
    head = request_head(
        "POST",
        UPLOAD,
        "Connection: close",
        "Content-Type: multipart/form-data; boundary=b",
        f"Content-Length: {len(body)}",
    )

    answer = exchange(live_sandbox, head + body)

    # Through to the application, which wants an API key.
    assert answer.status == 401


def test_a_chunked_body_is_refused_once_it_passes_the_limit(live_sandbox: LiveSandbox) -> None:
    chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    head = request_head("POST", MESSAGES, "Content-Type: application/json", "Transfer-Encoding: chunked")

    # 17 chunks of 64 KB pass the 1 MB limit; the terminating chunk is never sent.
    answer = exchange(live_sandbox, head + chunk * 17)

    assert answer.status == 413
    message = "The request body is larger than 1048576 bytes; request bodies are limited to 1048576 bytes."
    assert answer.json() == gateway_error("request_too_large", message)


def test_a_legacy_body_over_the_limit_gets_the_v2_body(live_sandbox: LiveSandbox) -> None:
    head = request_head("POST", LEGACY, "Content-Type: application/json", f"Content-Length: {HUGE}")

    answer = exchange(live_sandbox, head + b"{")

    assert answer.status == 413
    assert answer.json() == {
        "message": "Payload Too Large",
        "errors": [f"The request body is {HUGE} bytes; request bodies are limited to 1048576 bytes."],
    }


def test_a_token_request_over_the_limit_gets_apigees_body(live_sandbox: LiveSandbox) -> None:
    head = request_head("POST", "/oauth/v2/token", f"Content-Length: {HUGE}")

    answer = exchange(live_sandbox, head + b"grant_type=")

    assert answer.status == 413
    assert answer.json() == {
        "ErrorCode": "invalid_request",
        "Error": f"The request body is {HUGE} bytes; request bodies are limited to 1048576 bytes.",
    }


def test_a_client_waiting_for_100_continue_gets_the_refusal_instead(live_sandbox: LiveSandbox) -> None:
    head = request_head("POST", MESSAGES, "Expect: 100-continue", f"Content-Length: {HUGE}")

    answer = exchange(live_sandbox, head)

    assert answer.status == 413


@pytest.mark.parametrize(
    ("case", "request_bytes"),
    [
        ("NUL in the request line", b"GET /chat-gateway/v1/webhooks\x00 HTTP/1.1\r\nHost: s\r\n\r\n"),
        ("0xFF in the request line", b"GET /chat-gateway/v1/webhooks\xff HTTP/1.1\r\nHost: s\r\n\r\n"),
        (
            "NUL in a header value",
            b"GET /chat-gateway/v1/webhooks HTTP/1.1\r\nHost: s\r\nX-Api-Key: a\x00b\r\n\r\n",
        ),
        ("0xFF in a header name", b"GET /chat-gateway/v1/webhooks HTTP/1.1\r\nHost: s\r\nX-\xff: b\r\n\r\n"),
        ("a Content-Length that is no number", request_head("POST", MESSAGES, "Content-Length: ten")),
        ("no request line at all", b"HELLO\r\n\r\n"),
    ],
)
def test_a_request_twisted_cannot_parse_gets_a_json_400(
    live_sandbox: LiveSandbox, case: str, request_bytes: bytes
) -> None:
    answer = exchange(live_sandbox, request_bytes)

    assert answer.status == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == gateway_error("invalid_request", MALFORMED)


def test_a_malformed_legacy_request_gets_the_v2_body(live_sandbox: LiveSandbox) -> None:
    answer = exchange(live_sandbox, request_head("GET", LEGACY, "X-Thing: a\x00b"))

    assert answer.status == 400
    assert answer.json() == {"message": "Constraint Violation", "errors": [MALFORMED]}


def test_a_control_byte_daphne_refuses_in_a_header_value_gets_json_instead_of_daphnes_page(
    live_sandbox: LiveSandbox,
) -> None:
    answer = exchange(
        live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks", "Connection: close", "X-Thing: a\x0bb")
    )

    assert answer.status == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == gateway_error("invalid_request", "Invalid header value.")


def test_a_0xff_in_a_header_value_reaches_the_application(live_sandbox: LiveSandbox) -> None:
    answer = exchange(
        live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks", "Connection: close", "X-Thing: \xff")
    )

    assert answer.status == 401


def test_more_than_500_headers_get_431(live_sandbox: LiveSandbox) -> None:
    headers = [f"X-Header-{index}: value" for index in range(500)]

    answer = exchange(live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks", *headers))

    assert answer.status == 431
    message = "The request has more than 500 header fields."
    assert answer.json() == gateway_error("header_fields_too_large", message)


def test_a_header_line_of_16_kb_gets_431_instead_of_a_dropped_connection(live_sandbox: LiveSandbox) -> None:
    answer = exchange(live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks", "X-Big: " + "a" * 16400))

    assert answer.status == 431
    assert answer.json() == gateway_error(
        "header_fields_too_large", "A header line is longer than 16384 bytes."
    )


def test_headers_over_16_kb_together_get_431(live_sandbox: LiveSandbox) -> None:
    headers = [f"X-Header-{index}: {'a' * 1000}" for index in range(17)]

    answer = exchange(live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks", *headers))

    assert answer.status == 431
    message = "The request line and headers are larger than 16384 bytes."
    assert answer.json() == gateway_error("header_fields_too_large", message)


def test_a_request_line_of_16_kb_gets_414(live_sandbox: LiveSandbox) -> None:
    answer = exchange(live_sandbox, request_head("GET", "/chat-gateway/v1/webhooks?q=" + "a" * 16400))

    assert answer.status == 414
    assert answer.json() == gateway_error("uri_too_long", "The request line is longer than 16384 bytes.")


def test_a_refusal_on_a_kept_alive_connection_speaks_for_the_request_it_refuses(
    live_sandbox: LiveSandbox,
) -> None:
    first = request_head("GET", "/chat-gateway/v1/webhooks")
    second = request_head("POST", LEGACY, f"Content-Length: {HUGE}")

    address = urlsplit(live_sandbox.url)
    with socket.create_connection((address.hostname, address.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(first)
        received = b""
        while b"referenceId" not in received:
            received += sock.recv(65536)
        sock.sendall(second)
        refused = b""
        while chunk := sock.recv(65536):
            refused += chunk

    assert parse_answer(received).status == 401
    assert parse_answer(refused).status == 413
    assert parse_answer(refused).json()["message"] == "Payload Too Large"


# --- the private hook the channel relies on ---------------------------------------------


def fed(data: bytes) -> bytes:
    """What a LimitedHTTPChannel answers to `data`, without a server."""
    channel = LimitedHTTPChannel()
    channel.requestFactory = http.Request
    channel.callLater = Clock().callLater
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(data)
    return transport.value()


def test_twisted_still_sends_every_malformed_request_through_the_overridden_method() -> None:
    # Renamed in a Twisted upgrade, the override would be dead code and Twisted's bare
    # `400 Bad Request` with no body would come back.
    assert hasattr(http.HTTPChannel, "_respondToBadRequestAndDisconnect")

    answer = parse_answer(fed(b"GET / HTTP/1.1\r\nX-Thing: a\x00b\r\n\r\n"))

    assert answer.status == 400
    assert answer.json() == gateway_error("invalid_request", MALFORMED)
