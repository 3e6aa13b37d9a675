"""`http_post` on its own: the whole-attempt deadline, keep-alive reuse and trimmed answers."""

import threading
import time

import pytest

from tests.webhooks.receiver import Receiver
from webhooks.delivery import http_post


def test_attempts_in_parallel_are_each_cut_at_their_own_deadline(receiver: Receiver) -> None:
    # Every gap between two bytes is far below the timeouts; the whole answer takes seconds.
    receiver.respond_with(status=200, body=b"x" * 60, drip=0.05)
    timeouts = [0.2, 0.4, 0.6]
    outcomes: dict[float, tuple[str, float]] = {}

    def post(timeout: float) -> None:
        started = time.monotonic()
        result = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=timeout)
        outcomes[timeout] = (result.error, time.monotonic() - started)

    threads = [threading.Thread(target=post, args=(timeout,)) for timeout in timeouts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for timeout in timeouts:
        error, elapsed = outcomes[timeout]
        assert error == f"timed out after {timeout:g} s"
        assert timeout <= elapsed < timeout + 0.3


@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "status line and headers"])
def test_a_receiver_trickling_its_answer_is_cut_at_the_timeout(
    receiver: Receiver, drip_headers: bool
) -> None:
    # A byte every 50 ms: each read returns long before the timeout, the answer takes seconds.
    receiver.respond_with(status=200, body=b"x" * 60, drip=0.05, drip_headers=drip_headers)

    started = time.monotonic()
    result = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=0.3)
    elapsed = time.monotonic() - started

    assert result.status_code is None
    assert result.error == "timed out after 0.3 s"
    assert 0.3 <= elapsed < 0.3 + 0.15


def test_a_trickled_answer_that_ends_in_time_gets_through(receiver: Receiver) -> None:
    # About a hundred bytes, each sent on its own, well within the timeout.
    receiver.respond_with(status=200, body=b"abc", drip=0.002, drip_headers=True)

    result = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=5)

    assert (result.status_code, result.response_body, result.error) == (200, "abc", "")


def test_waiting_for_a_trickled_head_does_not_spin(receiver: Receiver) -> None:
    receiver.respond_with(status=200, drip=0.05, drip_headers=True)

    cpu = time.process_time()
    result = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=0.5)
    cpu = time.process_time() - cpu

    assert result.error == "timed out after 0.5 s"
    # A loop peeking at the same bytes again and again would burn the whole half second.
    assert cpu < 0.1


def test_a_finished_attempts_deadline_does_not_cut_the_next_attempt_on_its_connection(
    receiver: Receiver,
) -> None:
    quick = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=0.2)
    # The same keep-alive connection carries this one past the first attempt's deadline.
    receiver.respond_with(status=200, delay=0.4)
    slow = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=5)

    assert quick.status_code == 200
    assert slow.status_code == 200
    assert slow.error == ""
    assert slow.latency_ms >= 400


def test_a_long_answer_is_trimmed_and_the_next_attempt_still_gets_through(receiver: Receiver) -> None:
    receiver.respond_with(status=200, body=b"y" * 10_000)
    long = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=2)
    receiver.respond_with(status=201, body=b"ok")
    short = http_post(uri=receiver.url, body=b"{}", headers={}, timeout=2)

    assert (long.status_code, long.response_body) == (200, "y" * 4096)
    assert (short.status_code, short.response_body) == (201, "ok")
    assert len(receiver.snapshot()) == 2
