"""The worker loop wakes when there is work for it, and only then.

A worker thread runs in the test process; the test commits changes, which wake it.
"""

import threading
import time
from collections.abc import Iterator

import pytest

from conversations.models import Conversation
from conversations.services.lifecycle import conversation_create
from conversations.services.messages import message_post
from tests.factories import world_create
from tests.webhooks.receiver import Receiver
from webhooks import claims, worker
from webhooks.models import Delivery, DeliveryStatus, WebhookVersion
from webhooks.services import webhook_create
from webhooks.wakeup import wake_local_worker

pytestmark = pytest.mark.django_db(transaction=True)


class Looks:
    """Counts the worker loop's passes (each starts with one `claim_due`)."""

    def __init__(self) -> None:
        self.count = 0

    def claim_due(self, *, limit: int) -> claims.DueClaim:
        self.count += 1
        return claims.claim_due(limit=limit)


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Looks]:
    counter = Looks()
    monkeypatch.setattr(worker, "claim_due", counter.claim_due)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_worker, args=(stop,), kwargs={"threads": 2}, daemon=True)
    thread.start()
    try:
        yield counter
    finally:
        stop.set()
        wake_local_worker()
        thread.join(timeout=10)
    assert not thread.is_alive()


def event_types(requests_: list) -> list[str]:  # type: ignore[type-arg]
    return [request.json()["eventType"] for request in requests_]


def test_events_queued_behind_an_attempt_in_flight_go_as_soon_as_it_ends(
    looks: Looks, receiver: Receiver
) -> None:
    receiver.respond_with(status=200, delay=0.2)
    world = world_create(uri=receiver.url)
    started = time.monotonic()

    # Three events of one conversation in one commit: each waits for the one before it.
    conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Queued"})

    arrived = receiver.wait_for_count(3, timeout=5)
    # Well below the loop's idle bound (5 s): each attempt's end woke the worker.
    assert time.monotonic() - started < 2.5
    assert event_types(arrived) == ["CONVERSATION_UPDATE", "CONVERSATION_UPDATE", "QUEUED"]


def test_an_attempt_that_leaves_nothing_waiting_does_not_wake_the_worker_again(
    looks: Looks, receiver: Receiver
) -> None:
    world = world_create()
    webhook_create(
        tenant=world.tenant, name="First", uri=receiver.url_for("first"), version=WebhookVersion.GATEWAY
    )
    receiver.wait_for_count(1, timeout=5)
    time.sleep(0.2)
    before = looks.count

    # One commit with one delivery (the verify event): one look, which takes it.
    webhook_create(
        tenant=world.tenant, name="Second", uri=receiver.url_for("second"), version=WebhookVersion.GATEWAY
    )
    receiver.wait_for_count(2, timeout=5)
    time.sleep(0.2)

    assert looks.count - before == 1


def test_once_delivers_everything_due_including_work_queued_behind_attempts_then_returns(
    receiver: Receiver,
) -> None:
    world = world_create(uri=receiver.url)
    conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Once"})
    started = time.monotonic()

    worker.run_worker(threading.Event(), threads=2, once=True)

    assert event_types(receiver.snapshot()) == ["CONVERSATION_UPDATE", "CONVERSATION_UPDATE", "QUEUED"]
    assert time.monotonic() - started < 2.5


def delivered_conversation(receiver: Receiver) -> Conversation:
    """A conversation whose creation events (three) the receiver already has."""
    world = world_create(uri=receiver.url)
    conversation = conversation_create(
        tenant=world.tenant, channel_id=world.channel.id, user={"name": "Delivered"}
    )
    receiver.wait_for_count(3, timeout=5)
    return conversation


def test_an_event_with_nothing_before_it_goes_to_this_processs_worker_without_a_look(
    looks: Looks, receiver: Receiver
) -> None:
    conversation = delivered_conversation(receiver)
    time.sleep(0.2)
    before = looks.count

    message_post(conversation=conversation, author_type="user", text="straight through")

    [*_, echo] = receiver.wait_for_count(4, timeout=5)
    assert echo.json()["data"]["text"] == "straight through"
    assert echo.headers["x-8x8-retry"] == "0"
    # The outcome is recorded just after the receiver answered.
    time.sleep(0.2)
    delivery = Delivery.objects.get(event__type="MESSAGE", event__conversation=conversation)
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == (DeliveryStatus.SUCCEEDED, 1, None)
    assert looks.count == before


def test_an_event_committed_while_its_streams_head_is_in_flight_waits_its_turn(
    looks: Looks, receiver: Receiver
) -> None:
    conversation = delivered_conversation(receiver)
    receiver.respond_with(status=200, delay=0.3)

    message_post(conversation=conversation, author_type="user", text="first")
    message_post(conversation=conversation, author_type="user", text="second")

    second = Delivery.objects.get(event__type="MESSAGE", event__payload__data__text="second")
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)
    arrived = receiver.wait_for_count(5, timeout=5)[3:]
    assert [request.json()["data"]["text"] for request in arrived] == ["first", "second"]
    assert [request.headers["x-8x8-retry"] for request in arrived] == ["0", "0"]
