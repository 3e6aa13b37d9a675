"""A real webhook receiver for tests: a small threaded HTTP server on 127.0.0.1.

It records every request (method, path, headers, exact body bytes, arrival time, the
status it answered) and answers as programmed: a sequence of statuses, then a failure
percentage (deterministic, seeded), with an optional delay. Tests wait on it instead of
sleeping:

    def test_it_delivers(receiver: Receiver) -> None:
        webhook = WebhookFactory(uri=receiver.url)
        ...
        [request] = receiver.wait_for_count(1)
        assert request.json()["eventType"] == "QUEUED"

Use the `receiver` fixture (import it into a conftest.py), or `Receiver()` as a context
manager for more than one.
"""

import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import pytest


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Senders hang up mid-answer (a timeout, a trimmed read): normal for a webhook target.
        pass


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    # Header names in lower case, as 8x8 sends them.
    headers: dict[str, str]
    body: bytes
    # time.time() and time.perf_counter() when the body had been read.
    received_at: float
    received_perf: float
    # The status the receiver answered with.
    status: int

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers.get("x-8x8-event-id", "")

    @property
    def retry(self) -> int:
        return int(self.headers.get("x-8x8-retry", "-1"))

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Behaviour:
    """How the receiver answers. Statuses in `sequence` are used first, one per request."""

    sequence: list[int] = field(default_factory=list)
    status: int = 200
    failure_rate: float = 0.0
    failure_status: int = 500
    delay: float = 0.0
    body: bytes = b""
    # Seconds between the bytes of the answer: each gap is short, the whole answer slow.
    drip: float = 0.0
    drip_headers: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def next_status(self) -> int:
        if self.sequence:
            return self.sequence.pop(0)
        if self.failure_rate and self.rng.random() < self.failure_rate:
            return self.failure_status
        return self.status


class Receiver:
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.behaviour = Behaviour()
        self._changed = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="receiver", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The default webhook URI; any other path works too (see `url_for`)."""
        return self.base_url + "/hook"

    def url_for(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def respond_with(
        self,
        *,
        sequence: Sequence[int] = (),
        status: int = 200,
        failure_rate: float = 0.0,
        failure_status: int = 500,
        delay: float = 0.0,
        body: bytes = b"",
        drip: float = 0.0,
        drip_headers: bool = False,
        seed: int = 0,
    ) -> None:
        self.behaviour = Behaviour(
            sequence=list(sequence),
            status=status,
            failure_rate=failure_rate,
            failure_status=failure_status,
            delay=delay,
            body=body,
            drip=drip,
            drip_headers=drip_headers,
            rng=random.Random(seed),
        )

    def _decide(self) -> tuple[int, Behaviour]:
        with self._changed:
            return self.behaviour.next_status(), self.behaviour

    def _record(self, request: ReceivedRequest) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    def snapshot(self, path: str | None = None) -> list[ReceivedRequest]:
        with self._changed:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_until(
        self, condition: Callable[[list[ReceivedRequest]], bool], *, timeout: float = 5.0
    ) -> list[ReceivedRequest]:
        """Block until `condition(requests)` holds; fail the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(list(self.requests)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"receiver: condition not met within {timeout}s ({len(self.requests)} requests)"
                    )
                self._changed.wait(remaining)
            return list(self.requests)

    def wait_for_count(self, count: int, *, timeout: float = 5.0) -> list[ReceivedRequest]:
        return self.wait_until(lambda requests: len(requests) >= count, timeout=timeout)

    def clear(self) -> None:
        with self._changed:
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps connections alive, as real receivers do.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-request (a killed worker): nothing was
                    # delivered, as a real receiver would not process half a body.
                    self.close_connection = True
                    return
                received_at, received_perf = time.time(), time.perf_counter()
                status, behaviour = receiver._decide()
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                receiver._record(
                    ReceivedRequest(
                        method=self.command,
                        path=self.path,
                        headers={name.lower(): value for name, value in self.headers.items()},
                        body=body,
                        received_at=received_at,
                        received_perf=received_perf,
                        status=status,
                    )
                )
                answer = behaviour.body
                try:
                    if behaviour.drip and behaviour.drip_headers:
                        head = (
                            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
                            f"content-type: text/plain\r\ncontent-length: {len(answer)}\r\n\r\n"
                        )
                        self._drip(head.encode("latin-1") + answer, behaviour.drip)
                        return
                    self.send_response(status)
                    self.send_header("content-type", "text/plain")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    if behaviour.drip:
                        self._drip(answer, behaviour.drip)
                    else:
                        self.wfile.write(answer)
                except OSError:
                    # The sender gave up (timeout) before the answer; nothing to tell it.
                    self.close_connection = True

            def _drip(self, data: bytes, gap: float) -> None:
                for index in range(len(data)):
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                    time.sleep(gap)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
