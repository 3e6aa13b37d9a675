"""Background workers that run inside the server process in the default (embedded) mode."""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from conversations.services.clock import run_clock
from gateway_sim.control.journal import journal_writer_start
from webhooks.worker import run_worker

logger = logging.getLogger(__name__)

_started = False
_lock = threading.Lock()
stop_event = threading.Event()


def _run(name: str, target: Callable[[threading.Event], None]) -> threading.Thread:
    def loop() -> None:
        try:
            target(stop_event)
        finally:
            close_old_connections()

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread


def start_embedded_workers() -> None:
    """Start the timer clock and the API journal's writer (always) and, unless disabled, the
    webhook delivery worker.

    Idempotent. The clock runs in every server process: timers are claimed atomically, so
    several processes never fire one twice.
    """
    global _started
    with _lock:
        if _started:
            return
        _started = True
    _run("sandbox-clock", run_clock)
    journal_writer_start()
    if settings.SANDBOX_EMBEDDED_WORKERS:
        _run("sandbox-delivery", run_worker)
    logger.info("embedded workers started")
