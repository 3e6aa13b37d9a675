"""The journal's writer: requests only queue; one thread writes what gathered, in batches."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway_sim.batch_writer import BatchWriter

Started = Callable[..., BatchWriter[int]]


@pytest.fixture
def started() -> Iterator[Started]:
    """Writers started for the test, stopped after it."""
    writers: list[BatchWriter[int]] = []

    def start(write: Callable[[list[int]], None], **options: Any) -> BatchWriter[int]:
        writer: BatchWriter[int] = BatchWriter(write, name="test-writer", **options)
        writer.start()
        writers.append(writer)
        return writer

    yield start
    for writer in writers:
        writer.stop()


def test_items_put_while_the_writer_lingers_are_written_in_one_batch(started: Started) -> None:
    batches: list[list[int]] = []
    writer = started(batches.append, linger=0.2)

    for number in range(5):
        assert writer.put(number) is True
    assert writer.flush(timeout=2) is True

    assert batches == [[0, 1, 2, 3, 4]]


def test_a_flush_does_not_wait_for_the_linger(started: Started) -> None:
    batches: list[list[int]] = []
    writer = started(batches.append, linger=30)

    writer.put(1)

    assert writer.flush(timeout=2) is True
    assert batches == [[1]]


def test_a_full_queue_drops_and_counts_instead_of_blocking_the_request(started: Started) -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def slow(batch: list[int]) -> None:
        release.wait(2)
        batches.append(batch)

    writer = started(slow, capacity=2, batch_size=1, linger=0)
    writer.put(0)
    writer.flush(timeout=0.2)  # the writer now holds item 0 in `slow`

    accepted = [writer.put(number) for number in (1, 2, 3)]
    release.set()

    assert accepted == [True, True, False]
    assert writer.dropped == 1
    assert writer.flush(timeout=2) is True
    assert batches == [[0], [1], [2]]


def test_a_failing_batch_does_not_stop_the_writer(started: Started) -> None:
    batches: list[list[int]] = []

    def write(batch: list[int]) -> None:
        if batch == [0]:
            raise RuntimeError("the database is gone")
        batches.append(batch)

    writer = started(write, linger=0)
    writer.put(0)
    writer.flush(timeout=2)
    writer.put(1)

    assert writer.flush(timeout=2) is True
    assert batches == [[1]]


def test_stopping_writes_what_is_queued_and_ends_the_thread() -> None:
    batches: list[list[int]] = []
    exits: list[bool] = []
    writer: BatchWriter[int] = BatchWriter(
        batches.append, name="test-writer", linger=30, on_exit=lambda: exits.append(True)
    )
    writer.start()
    writer.put(1)

    writer.stop()

    assert (batches, exits, writer.running) == ([[1]], [True], False)
