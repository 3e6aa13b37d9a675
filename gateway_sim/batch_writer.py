"""A bounded in-process queue drained by one writer thread, in batches.

For records a request produces but need not wait for (the API journal): the request only
puts an item in the queue; the thread waits `linger` seconds after the first item for more
to gather, then hands up to `batch_size` to `write` in one call, so N requests cost one
database transaction instead of N, and the requests never queue for the database's write
lock on their account. Without the wait the thread wakes for every item and writes them one
by one, which is what the batching is there to avoid.

The queue is bounded: when the writer falls behind by `capacity` items, further items are
dropped and counted rather than let memory grow. `flush()` waits until every item put
before it has been written (or dropped), so a reader in the same process sees its own
writes.
"""

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")


class BatchWriter(Generic[Item]):
    def __init__(
        self,
        write: Callable[[list[Item]], None],
        *,
        name: str,
        capacity: int = 10_000,
        batch_size: int = 500,
        linger: float = 0.1,
        on_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self.write, self.name, self.batch_size, self.on_exit = write, name, batch_size, on_exit
        self.linger = linger
        # Set by flush(): the writer stops lingering and writes what it has.
        self._hurry = threading.Event()
        # None asks the thread to write what it has and stop.
        self.items: queue.Queue[Item | None] = queue.Queue(maxsize=capacity)
        self.dropped = 0
        self._put = 0
        self._done = 0
        self._done_changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start the writer thread (once; later calls do nothing)."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, then end the thread (tests; the server's ends with it)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self.items.put(None, timeout=timeout)
            self._hurry.set()
            thread.join(timeout)

    def put(self, item: Item) -> bool:
        """Queue an item without waiting; False when the queue is full and it was dropped."""
        with self._done_changed:
            try:
                self.items.put_nowait(item)
            except queue.Full:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    logger.warning("%s is behind: %d item(s) dropped so far", self.name, self.dropped)
                return False
            self._put += 1
            return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything put so far has been written; False after `timeout` seconds."""
        with self._done_changed:
            target = self._put
            self._hurry.set()
            return self._done_changed.wait_for(lambda: self._done >= target, timeout=timeout)

    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                first = self.items.get()
                if first is not None:
                    self._hurry.wait(self.linger)
                    self._hurry.clear()
                batch: list[Item] = []
                item: Item | None = first
                while item is not None:
                    batch.append(item)
                    if len(batch) >= self.batch_size:
                        break
                    try:
                        item = self.items.get_nowait()
                    except queue.Empty:
                        break
                stopping = item is None
                if not batch:
                    continue
                try:
                    self.write(batch)
                except Exception:
                    logger.exception("%s could not write %d item(s)", self.name, len(batch))
                with self._done_changed:
                    self._done += len(batch)
                    self._done_changed.notify_all()
        finally:
            self.on_exit()
