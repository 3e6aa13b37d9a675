"""An open-loop HTTP/1.1 load generator that costs the machine as little CPU as it can.

One asyncio loop, no threads, and nothing per request but callbacks: a timer fires when
message n is due (start + n / rate, whatever happened before) and writes its prebuilt bytes
to an idle keep-alive connection; the connection's `data_received` stamps the time the
answer was read, before any parsing, and records it. When every connection is waiting for
an answer, a new one is opened, so a slow answer never holds back a later send.

Timers fire up to about a millisecond late (epoll waits in whole milliseconds); the lag of
every send behind its due time is recorded with it.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Sent:
    text: str
    due: float
    sent: float
    answered: float
    # 0 when the connection failed before an answer.
    status: int


@dataclass
class _Request:
    text: str
    due: float
    data: bytes
    sent: float = 0.0


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, run: "_Run") -> None:
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.current: _Request | None = None
        self.open = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, request: _Request) -> None:
        assert self.transport is not None
        self.current = request
        request.sent = time.perf_counter()
        self.transport.write(request.data)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        parsed = _complete_answer(self.buffer)
        if parsed is None:
            return
        status, used, keep = parsed
        self.buffer = self.buffer[used:]
        if not keep:
            self.open = False
            assert self.transport is not None
            self.transport.close()
        request, self.current = self.current, None
        if request is not None:
            self.run.answered(self, request, status, now)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        request, self.current = self.current, None
        if request is not None:
            self.run.answered(self, request, 0, time.perf_counter())


def _complete_answer(buffer: bytes) -> tuple[int, int, bool] | None:
    """(status, bytes used, keep-alive) once `buffer` holds a whole answer, else None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = buffer[:head_end].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, keep = 0, False, True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    position = head_end + 4
    if not chunked:
        return (status, position + length, keep) if len(buffer) >= position + length else None
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(buffer[position:line_end].split(b";")[0], 16)
        if size == 0:
            # No trailers from the servers this drives: the empty line after the last chunk.
            trailer_end = buffer.find(b"\r\n\r\n", line_end)
            return None if trailer_end < 0 else (status, trailer_end + 4, keep)
        position = line_end + 2 + size + 2
        if len(buffer) < position:
            return None


class Client:
    """Prebuilt HTTP/1.1 POSTs of JSON to one host."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    def encode(self, path: str, body: dict[str, Any]) -> bytes:
        payload = json.dumps(body, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n{self.head}"
            f"content-length: {len(payload)}\r\n\r\n"
        )
        return head.encode("latin-1") + payload

    def send_at_rate(
        self,
        request: Callable[[int], tuple[str, str, dict[str, Any]]],
        *,
        rate: float,
        duration: float,
        connections: int,
    ) -> "RunResult":
        """Open loop: message n is due at start + n / rate; `request(n)` gives (text, path, body)."""
        return asyncio.run(_Run(self, request, rate=rate, total=int(rate * duration)).go(connections))


@dataclass
class RunResult:
    sent: list[Sent]
    # Connections used: the ones opened beforehand plus those opened when all were busy.
    connections: int


class _Run:
    def __init__(
        self,
        client: Client,
        request: Callable[[int], tuple[str, str, dict[str, Any]]],
        *,
        rate: float,
        total: int,
    ) -> None:
        self.client, self.request, self.rate, self.total = client, request, rate, total
        self.idle: list[_Connection] = []
        self.opened = 0
        self.results: list[Sent] = []
        self.waiting: list[_Request] = []
        self.done: asyncio.Future[None] | None = None
        self.start = 0.0
        # loop.time() minus time.perf_counter(): both are CLOCK_MONOTONIC on Linux, so ~0.
        self.offset = 0.0

    async def connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            lambda: _Connection(self), self.client.host, self.client.port
        )
        self.opened += 1
        return connection

    async def go(self, connections: int) -> RunResult:
        loop = asyncio.get_running_loop()
        self.idle = list(await asyncio.gather(*(self.connect() for _ in range(connections))))
        self.done = loop.create_future()
        if self.total == 0:
            return RunResult([], self.opened)
        self.offset = loop.time() - time.perf_counter()
        self.start = time.perf_counter() + 0.2
        self.schedule(0)
        await self.done
        for connection in self.idle:
            if connection.transport is not None:
                connection.transport.close()
        return RunResult(self.results, self.opened)

    def schedule(self, number: int) -> None:
        # Built before its due time, so the send is all that happens at that time.
        text, path, body = self.request(number)
        due = self.start + number / self.rate
        item = _Request(text, due, self.client.encode(path, body))
        asyncio.get_running_loop().call_at(due + self.offset, self.fire, number, item)

    def fire(self, number: int, item: _Request) -> None:
        while self.idle and not self.idle[-1].open:
            # Closed by the server while idle.
            self.idle.pop()
        if self.idle:
            self.idle.pop().send(item)
        else:
            self.waiting.append(item)
            asyncio.get_running_loop().create_task(self.extra_connection())
        if number + 1 < self.total:
            self.schedule(number + 1)

    async def extra_connection(self) -> None:
        try:
            connection = await self.connect()
        except OSError:
            # Refused: the request that waited for it fails, as a failed POST.
            if self.waiting:
                self.answered(None, self.waiting.pop(0), 0, time.perf_counter())
            return
        self.release(connection)

    def release(self, connection: _Connection | None) -> None:
        if connection is None or not connection.open:
            return
        if self.waiting:
            connection.send(self.waiting.pop(0))
        else:
            self.idle.append(connection)

    def answered(self, connection: _Connection | None, item: _Request, status: int, now: float) -> None:
        self.results.append(Sent(item.text, item.due, item.sent, now, status))
        self.release(connection)
        if len(self.results) == self.total and self.done is not None and not self.done.done():
            self.done.set_result(None)
