"""Channel-layer broadcasts from any thread, sent only after the transaction commits."""

import asyncio
import functools
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# The server's event loop (Daphne runs it in the process's main thread), learnt at its
# first connection or the first time a broadcast runs there. Other threads (HTTP requests,
# the timer clock, the delivery worker) hand their pushes to it: the in-memory channel
# layer's queues belong to that loop, and putting into them from a private loop is not
# thread-safe and is noticed late.
_server_loop: asyncio.AbstractEventLoop | None = None
_SEND_TIMEOUT = 5.0


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def remember_server_loop(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: note the server's loop at the first connection, so that pushes from
    request threads (HTTP runs on a thread pool, see gateway_sim.http) go to it."""

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        global _server_loop
        if _server_loop is None:
            _server_loop = asyncio.get_running_loop()
        await app(scope, receive, send)

    return application


async def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, message)
    except Exception:
        # A broadcast is a courtesy to open browsers; the database is the source of truth
        # and desktops resync on reconnect, so a layer hiccup must not fail the request.
        logger.exception("broadcast to %s failed", group)


async def _send_all(groups: list[str], message: dict[str, Any]) -> None:
    global _server_loop
    if threading.current_thread() is threading.main_thread():
        _server_loop = asyncio.get_running_loop()
    for group in groups:
        await _send(group, message)


class _Handover:
    """Pushes handed over by other threads to one loop, sent there by one drain task in the
    order they were handed over."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: deque[tuple[list[str], dict[str, Any], threading.Event | None]] = deque()
        self.lock = threading.Lock()
        self.draining = False
        # The loop keeps only weak references to tasks.
        self.tasks: set[asyncio.Future[None]] = set()

    def push(self, groups: list[str], message: dict[str, Any], *, wait: bool) -> None:
        """Queue a push; with `wait`, return once it (and every push before it) is sent."""
        sent = threading.Event() if wait else None
        with self.lock:
            self.pending.append((groups, message, sent))
            start = not self.draining
            self.draining = True
        if start:
            self.loop.call_soon_threadsafe(self._start)
        if sent is not None and not sent.wait(_SEND_TIMEOUT):
            logger.warning("broadcast to %s took over %s s", groups, _SEND_TIMEOUT)

    def _start(self) -> None:
        task = asyncio.ensure_future(self._drain())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _drain(self) -> None:
        while True:
            with self.lock:
                if not self.pending:
                    self.draining = False
                    return
                groups, message, sent = self.pending.popleft()
            # One at a time: with the Redis layer a send awaits the network, and sends run
            # side by side would overtake each other (a desk must see events in order).
            await _send_all(groups, message)
            if sent is not None:
                sent.set()


# For the server's loop; replaced if that loop is ever replaced (each test has its own).
_handover: _Handover | None = None
_handover_lock = threading.Lock()


def _dispatch(groups: list[str], message: dict[str, Any]) -> None:
    global _handover
    loop = _server_loop
    if loop is not None and loop.is_running() and threading.current_thread() is not threading.main_thread():
        with _handover_lock:
            if _handover is None or _handover.loop is not loop:
                _handover = _Handover(loop)
            handover = _handover
        handover.push(groups, message, wait=getattr(_awaited, "value", False))
        return
    async_to_sync(_send_all)(groups, message)


_awaited = threading.local()


def pushes_awaited(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` so that it returns only once its pushes are out.

    For a desk's own actions: the consumer acts on the channel layer right after (it stops
    following a chat it transferred). Request, clock and delivery threads do not wait.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        _awaited.value = True
        try:
            return service(*args, **kwargs)
        finally:
            _awaited.value = False

    return run


def group_send_on_commit(groups: list[str], message: dict[str, Any]) -> None:
    """Send `message` to each group after the transaction commits, in one hop into the event
    loop for all groups: each crossing costs about a millisecond."""
    transaction.on_commit(lambda: _dispatch(groups, message))


def broadcast_on_commit(groups: list[str], kind: str, payload: Mapping[str, Any]) -> None:
    """Send `{"type": "desk.push", "kind": kind, "payload": payload}` to each group after commit."""
    group_send_on_commit(groups, {"type": "desk.push", "kind": kind, "payload": payload})
