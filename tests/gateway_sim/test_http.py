"""The bridge that serves Django's synchronous handler to Daphne, driven as Daphne drives it."""

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from gateway_sim.http import SyncDjango, WSGIApp

pytestmark = pytest.mark.anyio

SCOPE = {
    "type": "http",
    "http_version": "1.1",
    "method": "POST",
    "scheme": "http",
    "path": "/chat-gateway/v1/conversations/é",
    "root_path": "",
    "query_string": b"sort=createdAt:desc",
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", b"11"),
        (b"x-api-key", b"key"),
        (b"x_api_key", b"spoofed"),
        (b"accept", b"text/html"),
        (b"accept", b"application/json"),
    ],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Exchange:
    """The ASGI side: request messages in, response messages out."""

    def __init__(self, *bodies: bytes) -> None:
        self.incoming = [
            {"type": "http.request", "body": body, "more_body": index < len(bodies) - 1}
            for index, body in enumerate(bodies)
        ]
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return self.incoming.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


class Closing:
    """A response iterable that notes whether (and in which thread) it was closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed_in: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed_in = threading.current_thread().name


def app_answering(chunks: list[bytes], seen: dict[str, Any]) -> tuple[WSGIApp, Closing]:
    response = Closing(chunks)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.update(environ, body=environ["wsgi.input"].read(), thread=threading.current_thread().name)
        start_response("202 Accepted", [("Content-Type", "application/json"), ("X-Thing", "1")])
        return response

    return app, response


async def test_a_request_reaches_the_application_as_pep_3333_describes() -> None:
    seen: dict[str, Any] = {}
    app, _ = app_answering([b""], seen)

    await SyncDjango(app, threads=2)(SCOPE, Exchange(b'{"a":', b"true}").receive, Exchange().send)

    assert {name: seen[name] for name in seen if name.isupper()} == {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/chat-gateway/v1/conversations/Ã©",
        "QUERY_STRING": "sort=createdAt:desc",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "11",
        "HTTP_X_API_KEY": "key",
        "HTTP_ACCEPT": "text/html,application/json",
    }
    assert seen["body"] == b'{"a":true}'
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["thread"].startswith("sandbox-http")


async def test_a_whole_response_goes_out_as_one_start_and_one_body() -> None:
    app, response = app_answering([b'{"ok":true}'], {})
    exchange = Exchange(b"")

    await SyncDjango(app, threads=2)(SCOPE, exchange.receive, exchange.send)

    assert exchange.sent == [
        {
            "type": "http.response.start",
            "status": 202,
            "headers": [(b"content-type", b"application/json"), (b"x-thing", b"1")],
        },
        {"type": "http.response.body", "body": b'{"ok":true}'},
    ]
    assert response.closed_in is not None


async def test_a_streaming_response_goes_out_chunk_by_chunk_and_is_closed_in_a_pool_thread() -> None:
    app, response = app_answering([b"one", b"two", b"three"], {})
    exchange = Exchange(b"")

    await SyncDjango(app, threads=2)(SCOPE, exchange.receive, exchange.send)

    assert [(m.get("body"), m.get("more_body", False)) for m in exchange.sent[1:]] == [
        (b"one", True),
        (b"two", True),
        (b"three", True),
        (b"", False),
    ]
    assert response.closed_in is not None
    assert response.closed_in.startswith("sandbox-http")


async def test_a_streaming_response_is_closed_when_the_client_goes_away() -> None:
    app, response = app_answering([b"one", b"two", b"three"], {})
    exchange = Exchange(b"")

    async def send(message: dict[str, Any]) -> None:
        if message.get("body") == b"two":
            raise OSError("connection lost")
        exchange.sent.append(message)

    with pytest.raises(OSError, match="connection lost"):
        await SyncDjango(app, threads=2)(SCOPE, exchange.receive, send)

    assert response.closed_in is not None


async def test_a_client_that_leaves_before_its_body_arrives_runs_nothing() -> None:
    seen: dict[str, Any] = {}
    app, _ = app_answering([b""], seen)
    exchange = Exchange()
    exchange.incoming = [{"type": "http.disconnect"}]

    await SyncDjango(app, threads=2)(SCOPE, exchange.receive, exchange.send)

    assert seen == {}
    assert exchange.sent == []
