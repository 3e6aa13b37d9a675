"""Wake-ups for the delivery worker: it sleeps until an event commits, never polls.

In one process a `threading.Event` is enough. With PostgreSQL, a `NOTIFY` sent inside the
transaction reaches workers in other processes at the moment of commit.
"""

import threading

from django.db import connection, transaction

CHANNEL = "sandbox_deliveries"

deliveries_ready = threading.Event()


def notify_delivery_workers() -> None:
    """Call inside the transaction that wrote deliveries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    transaction.on_commit(deliveries_ready.set)
