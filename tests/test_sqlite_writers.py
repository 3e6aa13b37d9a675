"""The SQLite backend's per-process writer queue: writers take turns, none is lost."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from conversations.models import Customer
from gateway_sim.db.sqlite3.base import WriterQueue, writer_queue

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
WRITES = 20


@pytest.fixture(autouse=True)
def _needs_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writer queue is part of the SQLite backend")


def test_concurrent_writers_all_commit_without_database_locked_errors() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def write(number: int) -> None:
        try:
            start.wait(timeout=5)
            for write in range(WRITES):
                with transaction.atomic():
                    Customer.objects.create(id=f"writer-{number}-{write}", name="w")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Customer.objects.filter(id__startswith="writer-").count() == THREADS * WRITES
    assert not writer_queue(str(connection.settings_dict["NAME"])).locked()


def test_the_write_lock_is_held_for_the_transaction_and_released_by_commit_and_rollback() -> None:
    lock = writer_queue(str(connection.settings_dict["NAME"]))

    with transaction.atomic():
        Customer.objects.create(id="kept", name="k")
        assert lock.locked()
    assert not lock.locked()

    held_while_open: list[bool] = []

    def fail_inside_a_transaction() -> None:
        with transaction.atomic():
            Customer.objects.create(id="dropped", name="d")
            held_while_open.append(lock.locked())
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        fail_inside_a_transaction()
    assert held_while_open == [True]
    assert not lock.locked()
    assert list(Customer.objects.filter(id__in=["kept", "dropped"]).values_list("id", flat=True)) == ["kept"]


def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_urgent_writers_are_served_before_waiting_normal_ones() -> None:
    queue = WriterQueue()
    served: list[str] = []
    assert queue.acquire(urgent=False, timeout=1)

    def take(name: str, urgent: bool) -> None:
        assert queue.acquire(urgent=urgent, timeout=5)
        served.append(name)
        queue.release()

    normal = threading.Thread(target=take, args=("normal", False))
    normal.start()
    until(lambda: queue._normal_waiting == 1)
    urgent = threading.Thread(target=take, args=("urgent", True))
    urgent.start()
    until(lambda: queue._urgent_waiting == 1)

    queue.release()
    normal.join(timeout=5)
    urgent.join(timeout=5)

    assert served == ["urgent", "normal"]
    assert not queue.locked()


def test_a_writer_that_gives_up_passes_the_turn_on() -> None:
    queue = WriterQueue()
    assert queue.acquire(urgent=False, timeout=1)

    assert not queue.acquire(urgent=True, timeout=0.01)
    queue.release()

    assert queue.acquire(urgent=False, timeout=0.1)
    queue.release()
