"""Browser broadcasts: sent on the channel layer only after the transaction commits."""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The server's event loop (Daphne runs it in the process's main thread), learnt the first
# time a broadcast runs there. Threads of our own (the timer clock) hand their pushes to it:
# the in-memory channel layer's queues belong to that loop, and putting into them from a
# private loop is not thread-safe and is noticed late.
_server_loop: asyncio.AbstractEventLoop | None = None


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def remember_server_loop(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: note the server's loop at the first connection, so that pushes from
    request threads (HTTP runs on a thread pool, see gateway_sim.asgi) go to it."""

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


# Pushes handed over by other threads, sent by one drain task on the server's loop, in the
# order they were handed over. The thread does not wait: its request answers at once.
_handed_over: deque[tuple[list[str], dict[str, Any]]] = deque()
_handed_over_lock = threading.Lock()
_draining = False


async def _drain() -> None:
    global _draining
    while True:
        with _handed_over_lock:
            if not _handed_over:
                _draining = False
                return
            groups, message = _handed_over.popleft()
        # One at a time: with the Redis layer a send awaits the network, and sends run side
        # by side would overtake each other (a desk must see events in order).
        await _send_all(groups, message)


def _start_drain() -> None:
    task = asyncio.ensure_future(_drain())
    _drain_tasks.add(task)
    task.add_done_callback(_drain_tasks.discard)


# The loop keeps only weak references to tasks.
_drain_tasks: set["asyncio.Future[None]"] = set()


def _dispatch(groups: list[str], message: dict[str, Any]) -> None:
    global _draining
    loop = _server_loop
    if loop is not None and loop.is_running() and threading.current_thread() is not threading.main_thread():
        with _handed_over_lock:
            _handed_over.append((groups, message))
            if _draining:
                return
            _draining = True
        loop.call_soon_threadsafe(_start_drain)
        return
    async_to_sync(_send_all)(groups, message)


def broadcast_on_commit(groups: list[str], kind: str, payload: dict[str, Any]) -> None:
    """Send `{"type": "desk.push", "kind": kind, "payload": payload}` to each group after commit.

    One hop into the event loop for all groups: each crossing costs about a millisecond,
    and this runs for every event.
    """
    message = {"type": "desk.push", "kind": kind, "payload": payload}
    transaction.on_commit(lambda: _dispatch(groups, message))
