"""A lean webhook receiver for the latency bench, run in a process of its own.

    python -m bench.webhook_receiver      # prints {"port": N}, then serves until stdin closes

It is a real HTTP/1.1 server on 127.0.0.1 (asyncio, keep-alive, any number of connections)
that answers `200` with an empty body to every POST. For each request it keeps only
`time.perf_counter()` taken when the bytes that completed the body were handed over, the
`x-8x8-retry` header and the body; the body is parsed later, when the bench asks for what
arrived, so the time between two requests stays short and the stamps stay close to the wire.

Why a process of its own: in the bench's process, the client's work (and its GIL) would
delay the receiver's stamps. `time.perf_counter()` is CLOCK_MONOTONIC on Linux, the same
clock in every process, so the bench compares its own stamps with these.

Control over stdin/stdout, one JSON line each: the bench writes `drain`; the receiver answers
`{"cpu": seconds, "requests": [[arrival, retry, eventType, data.text], ...]}`: the CPU time
it has used so far (`time.process_time()`, exact where /proc counts in 10 ms ticks) and the
requests received since the last drain. End of stdin stops it. `ReceiverProcess` is the
bench's side of this.
"""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
# Requests whose body was not sent with a content-length (chunked): not what 8x8 sends.
REFUSAL = b"HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

# (arrival perf_counter, x-8x8-retry, body bytes): appended by the server, taken by `drain`.
Arrival = tuple[float, int, bytes]


class Hook(asyncio.Protocol):
    """One keep-alive connection: parses requests as bytes come in, answers each at once."""

    def __init__(self, arrivals: list[Arrival]) -> None:
        self.arrivals = arrivals
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        # Stamped first: the moment these bytes were handed over, before any parsing.
        now = time.perf_counter()
        buffer = self.buffer + data if self.buffer else data
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                break
            length, retry, chunked = 0, -1, False
            for line in buffer[:head_end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"x-8x8-retry":
                    retry = int(value)
                elif name == b"transfer-encoding":
                    chunked = True
            assert self.transport is not None
            if chunked:
                self.transport.write(REFUSAL)
                self.transport.close()
                buffer = b""
                break
            end = head_end + 4 + length
            if len(buffer) < end:
                break
            self.arrivals.append((now, retry, buffer[head_end + 4 : end]))
            self.transport.write(ANSWER)
            buffer = buffer[end:]
        self.buffer = buffer


def summary(arrival: Arrival) -> list[Any]:
    """[arrival, retry, eventType, data.text] of one request (None where the body lacks them)."""
    stamp, retry, body = arrival
    try:
        event = json.loads(body)
    except ValueError:
        return [stamp, retry, None, None]
    data = event.get("data") if isinstance(event, dict) else None
    text = data.get("text") if isinstance(data, dict) else None
    return [stamp, retry, event.get("eventType") if isinstance(event, dict) else None, text]


async def serve() -> None:
    loop = asyncio.get_running_loop()
    arrivals: list[Arrival] = []
    server = await loop.create_server(lambda: Hook(arrivals), "127.0.0.1", 0, backlog=256)
    port = server.sockets[0].getsockname()[1]
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    out = sys.stdout
    out.write(json.dumps({"port": port}) + "\n")
    out.flush()
    while line := await commands.readline():
        if line.strip() == b"drain":
            taken, arrivals[:] = arrivals[:], []
            requests = [summary(arrival) for arrival in taken]
            out.write(json.dumps({"cpu": time.process_time(), "requests": requests}) + "\n")
            out.flush()
    server.close()


class ReceiverProcess:
    """The bench's handle on a receiver running in a child process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.webhook_receiver"],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        started = self.process.stdout.readline()
        if not started:
            self.process.wait()
            raise RuntimeError("the webhook receiver exited at start-up")
        self.port = int(json.loads(started)["port"])

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def drain(self) -> tuple[float, list[tuple[float, int, str | None, str | None]]]:
        """(CPU seconds the receiver has used, the requests received since the last drain as
        (arrival, retry, eventType, data.text))."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b"drain\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the webhook receiver has exited")
        drained = json.loads(answer)
        return float(drained["cpu"]), [(float(a), int(r), e, t) for a, r, e, t in drained["requests"]]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> "ReceiverProcess":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


if __name__ == "__main__":
    asyncio.run(serve())
