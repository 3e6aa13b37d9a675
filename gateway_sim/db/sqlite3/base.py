"""SQLite, with the writers of one process taking turns instead of polling.

SQLite has one write lock per database. A writer that finds it taken waits in SQLite's
busy handler, which sleeps and retries with growing pauses (up to 100 ms each): under
load a waiting writer keeps losing the race and can wait for seconds. The server's
request threads and its delivery worker all write, so that is where webhook latency went.

Here every transaction of a process first queues for a process-wide turn, held from
`BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK`: writers of one process go one after the other,
each handed the turn the moment the previous one commits. Threads marked with
`urgent_writes()` (the delivery worker) go before the others, so events already accepted
are delivered before more requests are taken in when the process is saturated. Writers in
other processes (a separate `deliver_webhooks`, a test process) still meet the busy handler.
"""

import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_urgent = threading.local()


def urgent_writes() -> None:
    """Mark the calling thread's transactions as going first in the writer queue."""
    _urgent.value = True


class WriterQueue:
    """A lock with two classes of waiters; urgent waiters are served first."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._urgent_turn = threading.Condition(self._mutex)
        self._normal_turn = threading.Condition(self._mutex)
        self._held = False
        self._urgent_waiting = 0
        self._normal_waiting = 0

    def locked(self) -> bool:
        return self._held

    def acquire(self, *, urgent: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._mutex:
            turn = self._urgent_turn if urgent else self._normal_turn
            if urgent:
                self._urgent_waiting += 1
            else:
                self._normal_waiting += 1
            try:
                while self._held or (not urgent and self._urgent_waiting):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    turn.wait(remaining)
                self._held = True
                return True
            finally:
                if urgent:
                    self._urgent_waiting -= 1
                else:
                    self._normal_waiting -= 1
                # A waiter that gave up may have been the one handed the turn: pass it on.
                if not self._held:
                    self._hand_over()

    def release(self) -> None:
        with self._mutex:
            self._held = False
            self._hand_over()

    def _hand_over(self) -> None:
        if self._urgent_waiting:
            self._urgent_turn.notify()
        elif self._normal_waiting:
            self._normal_turn.notify()


_queues: dict[str, WriterQueue] = {}
_queues_guard = threading.Lock()


def writer_queue(name: str) -> WriterQueue:
    with _queues_guard:
        return _queues.setdefault(name, WriterQueue())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_turn: WriterQueue | None = None

    def _start_transaction_under_autocommit(self) -> None:
        queue = writer_queue(str(self.settings_dict["NAME"]))
        # As long as SQLite itself would wait for the lock before giving up.
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not queue.acquire(urgent=getattr(_urgent, "value", False), timeout=timeout):
            raise OperationalError("database is locked")
        self._held_turn = queue
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._end_turn()
            raise

    def _end_turn(self) -> None:
        queue, self._held_turn = self._held_turn, None
        if queue is not None:
            queue.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._end_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._end_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._end_turn()
