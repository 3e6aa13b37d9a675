"""Serving Django's synchronous handler under Daphne: one hand-over to a thread per request.

Every view of the sandbox is synchronous. Django's ASGI handler crosses between the event
loop and a new thread for each sync middleware, signal and the view, and opens a database
connection per request (5.8 ms of server CPU for a 404 through the whole stack). Generic
WSGI-to-ASGI bridges run the handler on a thread pool but block that thread on the event
loop again for the body and for every message of the response; under load each of those
wake-ups is a context switch made while holding the GIL (at 200 messages/s offered: 7.8 ms
of server CPU per message with such a bridge, 6.1 ms with this one).

Here the loop reads the whole body, one pool thread runs Django until the response is
ready, and the loop sends it: the thread never waits on the loop. A streaming response
(a file download) fetches each further chunk in a pool thread. Pool threads keep their
database connection between requests (CONN_MAX_AGE in gateway_sim.settings).

`daphne_without_form_parsing` keeps Twisted from parsing request bodies Daphne never reads.
"""

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import IO, Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[bytes, bytes]]

# Request bodies up to this size stay in memory; larger ones (uploads) spill to a file.
BODY_IN_MEMORY = 1024 * 1024


class _FormlessRequest:
    """Marks Daphne's request class once form parsing is off."""


def daphne_without_form_parsing() -> None:
    """Have Daphne's requests skip Twisted's parsing of form bodies.

    Twisted parses url-encoded and multipart POST bodies into `request.args`; Daphne never
    reads them, it passes the raw body to the application. That parsing runs on the event
    loop: 60 µs per POST for the Content-Type alone (through the email package), and 750 ms
    for a 20 MB attachment upload, which also held a second copy of the file in memory.
    Twisted's own switch for it is a constructor argument of its requests, so Daphne's
    request class is replaced by a subclass that sets it. Safe to call more than once.
    """
    from daphne import http_protocol

    if issubclass(http_protocol.WebRequest, _FormlessRequest):
        return
    base = http_protocol.WebRequest

    class FormlessWebRequest(base, _FormlessRequest):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    http_protocol.WebRequest = FormlessWebRequest


def wsgi_environ(scope: dict[str, Any], body: IO[bytes]) -> dict[str, Any]:
    """The PEP 3333 environ of an ASGI HTTP request (as Django's WSGI handler reads it)."""
    script_name = scope.get("root_path", "")
    path = scope["path"]
    if script_name and path.startswith(script_name):
        path = path[len(script_name) :]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", []):
        if b"_" in raw_name:
            # `X_Api_Key` would read as `x-api-key`: dropped, as Django's own server does.
            continue
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        # Repeated headers are joined, as a WSGI server does.
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


class SyncDjango:
    """ASGI application for `http` scopes that runs a WSGI application on a thread pool."""

    def __init__(self, app: WSGIApp, *, threads: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sandbox-http")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body: IO[bytes] = SpooledTemporaryFile(max_size=BODY_IN_MEMORY)  # noqa: SIM115 - closed below
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body.seek(0)
            loop = asyncio.get_running_loop()
            status, headers, first, rest = await loop.run_in_executor(self.pool, self._respond, scope, body)
        finally:
            body.close()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if rest is None:
            await send({"type": "http.response.body", "body": first})
            return
        try:
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while (chunk := await loop.run_in_executor(self.pool, next, rest, None)) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await loop.run_in_executor(self.pool, rest.close)

    def _respond(self, scope: dict[str, Any], body: IO[bytes]) -> tuple[int, Headers, bytes, "_Rest | None"]:
        """Run the application; the first chunk of the body, and the rest when it streams."""
        started: list[tuple[int, Headers]] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
            started.append((int(status.split(" ", 1)[0]), encoded))

        result = self.app(wsgi_environ(scope, body), start_response)
        chunks = iter(result)
        try:
            first = next(chunks, b"")
            second = next(chunks, None)
        except BaseException:
            _close(result)
            raise
        status, headers = started[-1]
        if second is None:
            _close(result)
            return status, headers, first, None
        return status, headers, first, _Rest(second, chunks, result)


class _Rest:
    """The chunks of a streaming response after the first; closing it closes the response
    (also when the client went away before the rest was read)."""

    def __init__(self, second: bytes, chunks: Iterator[bytes], result: Iterable[bytes]) -> None:
        self.pending: bytes | None = second
        self.chunks = chunks
        self.result = result

    def __iter__(self) -> "_Rest":
        return self

    def __next__(self) -> bytes:
        if self.pending is not None:
            chunk, self.pending = self.pending, None
            return chunk
        return next(self.chunks)

    def close(self) -> None:
        _close(self.result)


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class ByPath:
    """Hand each HTTP request to the first app whose path pattern matches, else to `default`."""

    def __init__(self, routes: dict[re.Pattern[str], ASGIApp], *, default: ASGIApp) -> None:
        self.routes = routes
        self.default = default

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        app = next((app for pattern, app in self.routes.items() if pattern.match(path)), self.default)
        await app(scope, receive, send)
