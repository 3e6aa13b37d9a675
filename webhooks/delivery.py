"""The one place that makes outbound HTTP to webhook targets.

Everything else (the worker, verify, re-send) goes through `http_post`, so tests can aim
it at a real local receiver and nothing else in the sandbox opens sockets to webhooks.
"""

import contextlib
import heapq
import itertools
import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field

import certifi
import urllib3
from django.conf import settings
from urllib3 import PoolManager, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse

# What the delivery log keeps of a response body (bytes, UTF-8 decoded with replacement).
RESPONSE_BODY_LIMIT = 4096

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


class _Deadline:
    """The wall-clock limit of one attempt.

    A socket timeout bounds each connect and each socket read, not their sum: a receiver
    that sends a byte now and then would hold the attempt open past the claim's lease, and
    another worker would send the same event while it is still running. So the watchdog
    shuts the attempt's socket down when the time is up, whatever phase the attempt is in;
    a blocked read then returns at once and the attempt counts as timed out.

    Its state is guarded by the watchdog's lock (one lock for every attempt: each takes it
    three times, for a few microseconds).
    """

    __slots__ = ("at", "connection", "done", "expired")

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.connection: HTTPConnection | None = None
        self.done = False
        self.expired = False

    def start(self) -> None:
        _watchdog.add(self)

    def watch(self, connection: HTTPConnection) -> None:
        """Called with the connection once the request is sent, before the answer is read."""
        with _watchdog.lock:
            self.connection = connection
            if self.expired:
                _shut(connection)

    def finish(self) -> bool:
        """Stop watching; True when the attempt ended within its time."""
        return _watchdog.finish(self)


class _Watchdog:
    """One thread per process that cuts attempts past their deadline.

    A timer thread per attempt cost a thread start per delivery; this keeps the deadlines
    of all attempts in flight in a heap and sleeps until the earliest. Finished attempts
    are dropped from the top of the heap as they finish (attempts mostly finish in the
    order they started), so the thread wakes only when an attempt may actually be late.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.lock = threading.Lock()
        self._changed = threading.Condition(self.lock)
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        # When the thread will look at the heap next (it waits for a notify when idle).
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        with self.lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-delivery-deadlines", daemon=True
                )
                self._thread.start()
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            # Waking a thread costs more than the rest of this: the thread is told only when
            # it would otherwise wake too late. Deadlines are mostly later than the one it
            # sleeps towards (same timeout, later start), so under load it is rarely told.
            if deadline.at < self._wake_at:
                self._wake_at = deadline.at
                self._changed.notify()

    def finish(self, deadline: _Deadline) -> bool:
        with self.lock:
            deadline.done = True
            deadline.connection = None
            self._drop_finished()
            return not deadline.expired

    def _drop_finished(self) -> None:
        heap = self._heap
        while heap and heap[0][2].done:
            heapq.heappop(heap)

    def _run(self) -> None:
        with self.lock:
            while True:
                self._drop_finished()
                if not self._heap:
                    self._wake_at = math.inf
                    self._changed.wait()
                    continue
                self._wake_at = self._heap[0][0]
                wait = self._wake_at - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, deadline = heapq.heappop(self._heap)
                deadline.expired = True
                if deadline.connection is not None:
                    _shut(deadline.connection)


_watchdog = _Watchdog()
# The thread does not survive a fork (nor may its lock be held there): the child starts
# afresh, with its own thread on first use.
os.register_at_fork(after_in_child=_watchdog._reset)


def _shut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        # The other side may have closed it already.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _watch(connection: HTTPConnection) -> None:
    deadline: _Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _watch(self)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _watch(self)
        return super().getresponse()


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _pools() -> PoolManager:
    # One pool manager per thread: keep-alive connections to the same receiver are reused
    # across attempts, and no connection is shared between threads. urllib3 directly, not
    # requests (whose transport it is): requests' per-call work (settings merging, cookie
    # jars, hooks, response wrapping) cost 0.34 ms of CPU per POST even through
    # HTTPAdapter.send, against 0.17 ms for urllib3's urlopen. Proxies from the
    # environment are never used, and certificates are checked against the same CA
    # bundle requests uses (certifi).
    pools: PoolManager | None = getattr(_local, "pools", None)
    if pools is None:
        pools = PoolManager(ca_certs=certifi.where())
        pools.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }
        _local.pools = pools
    return pools


def http_post(*, uri: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> HttpResult:
    """POST `body` to `uri` once. Never raises for network trouble: it is in the result.

    `timeout` bounds the whole attempt, from connecting to the last byte of the answer; an
    answer still arriving when it runs out counts as a timeout, whatever its status.
    """
    timeout = settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.perf_counter()
    deadline = _Deadline(timeout)
    _local.deadline = deadline
    result: HttpResult | None = None
    error = ""
    deadline.start()
    try:
        # No retries, and redirects are not followed: like any non-2xx answer, a 3xx
        # counts as a failure.
        response = _pools().urlopen(
            "POST",
            uri,
            body=body,
            headers=headers,
            timeout=Timeout(connect=timeout, read=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            content = response.read(RESPONSE_BODY_LIMIT + 1)
            if len(content) > RESPONSE_BODY_LIMIT:
                # The rest is not read: the connection cannot be reused.
                response.close()
            result = HttpResult(
                status_code=response.status,
                response_headers={name.lower(): value for name, value in response.headers.itermerged()},
                response_body=content[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace"),
            )
        finally:
            response.release_conn()
    except urllib3.exceptions.NewConnectionError as exc:
        # (A subclass of ConnectTimeoutError, for history's sake: it is no timeout.)
        error = f"connection failed: {_reason(exc)}"
    except urllib3.exceptions.TimeoutError:
        pass
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
        error = f"connection failed: {_reason(exc)}"
    except urllib3.exceptions.HTTPError as exc:
        error = f"request failed: {_reason(exc)}"
    finally:
        in_time = deadline.finish()
        _local.deadline = None
    latency_ms = (time.perf_counter() - started) * 1000
    if result is not None and in_time:
        result.latency_ms = latency_ms
        return result
    if not in_time or not error:
        error = f"timed out after {timeout:g} s"
    return HttpResult(status_code=None, latency_ms=latency_ms, error=error)


def _reason(exc: Exception) -> str:
    # urllib3 wraps socket errors; the innermost one names the cause
    # ("Connection refused", "Name or service not known").
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or inner.__class__.__name__
    return text if len(text) <= 300 else text[:300] + "…"
