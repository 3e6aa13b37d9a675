"""`python manage.py deliver_webhooks`: the delivery worker as its own process.

Run as many as you like, on one machine or several (with PostgreSQL): claims are atomic.
SIGTERM or SIGINT stops it cleanly after the attempts in progress.
"""

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks.wakeup import wake_local_worker
from webhooks.worker import run_worker


class Command(BaseCommand):
    help = "Deliver webhook events from the outbox (wakes on commit; retries on schedule)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="deliver what is due now, then exit (retries due later stay)"
        )
        parser.add_argument(
            "--threads", type=int, default=None, help="parallel attempts (SANDBOX_DELIVERY_THREADS)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()
            wake_local_worker()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        run_worker(stop, threads=options["threads"], once=options["once"])
