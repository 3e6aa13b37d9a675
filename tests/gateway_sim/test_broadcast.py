"""Pushes from the sandbox's own threads (the timer clock) reach browsers at once.

The in-memory channel layer's queues belong to the server's event loop; a push from
another thread must be handed to that loop, not sent from a private one (which sets the
waiting consumer's future without waking the server's loop: it would be noticed only when
something else wakes it).
"""

import asyncio
import threading
import time

import pytest
from channels.layers import get_channel_layer

from gateway_sim.broadcast import _send_all, broadcast_on_commit

pytestmark = [pytest.mark.anyio, pytest.mark.django_db]

PUSH = {"type": "desk.push", "kind": "offer.expired", "payload": {"offerId": "o1"}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_push_from_another_thread_wakes_the_servers_loop_at_once() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("agent.test", channel)
    # A broadcast on the server's loop, as every request's broadcast is.
    await _send_all(["warm-up"], PUSH)
    clock = threading.Thread(
        target=lambda: broadcast_on_commit(["agent.test"], "offer.expired", {"offerId": "o1"})
    )

    started = time.monotonic()
    clock.start()
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    elapsed = time.monotonic() - started
    await asyncio.to_thread(clock.join, 5)

    assert message == PUSH
    assert elapsed < 0.5


async def test_pushes_handed_over_by_threads_arrive_in_order_without_the_threads_waiting() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("agent.order", channel)
    await _send_all(["warm-up"], PUSH)

    def push_all() -> None:
        for number in range(50):
            broadcast_on_commit(["agent.order"], "event", {"sequence": number})

    # The loop is blocked while the thread pushes: a thread that waited for each send would
    # not finish.
    pusher = threading.Thread(target=push_all)
    pusher.start()
    pusher.join(5)
    assert not pusher.is_alive()

    received = [await asyncio.wait_for(layer.receive(channel), timeout=2) for _ in range(50)]
    assert [message["payload"]["sequence"] for message in received] == list(range(50))
