"""SQLite, with the writers of one process taking turns instead of polling.

SQLite has one write lock per database. A writer that finds it taken waits in SQLite's
busy handler, which sleeps and retries with growing pauses (up to 100 ms each): under
load a waiting writer keeps losing the race and can wait for seconds. The server's
request threads and its delivery worker all write, so that is where webhook latency went.

Here every transaction of a process first queues for a process-wide lock, held from
`BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK`: writers of one process go one after the other,
each handed the lock the moment the previous one commits. Writers in other processes
(a separate `deliver_webhooks`, a test process) still meet the busy handler.
"""

import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_write_lock: threading.Lock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        lock = _write_lock(str(self.settings_dict["NAME"]))
        # As long as SQLite itself would wait for the lock before giving up.
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._held_write_lock = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        lock, self._held_write_lock = self._held_write_lock, None
        if lock is not None:
            lock.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
