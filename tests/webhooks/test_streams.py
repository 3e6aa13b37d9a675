"""A stream (one conversation's deliveries to one webhook) is busy while its latest delivery
still waits for its first attempt: a new event then queues behind it instead of being handed
straight to the worker."""

import pytest
from django.db import connection

from tests.factories import World
from tests.webhooks.support import start_conversation
from webhooks.claims import STREAM_LATEST_SQL, stream_busy
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


def test_a_stream_is_busy_until_its_latest_delivery_has_had_a_first_attempt(world: World) -> None:
    conversation = start_conversation(world)
    latest = Delivery.objects.filter(event__conversation=conversation).order_by("event__sequence").last()
    assert latest is not None

    assert stream_busy(world.webhook.id, conversation.id)

    Delivery.objects.filter(event__conversation=conversation).update(
        status=DeliveryStatus.IN_FLIGHT, attempts=1
    )
    assert stream_busy(world.webhook.id, conversation.id)

    Delivery.objects.filter(pk=latest.pk).update(status=DeliveryStatus.SUCCEEDED)
    assert not stream_busy(world.webhook.id, conversation.id)

    # A retry waiting (attempts > 0) does not hold the stream: first attempts go in order.
    Delivery.objects.filter(pk=latest.pk).update(status=DeliveryStatus.PENDING, attempts=1)
    assert not stream_busy(world.webhook.id, conversation.id)


def test_only_the_conversations_own_deliveries_to_that_webhook_count(world: World) -> None:
    waiting = start_conversation(world, name="Waiting")
    delivered = start_conversation(world, name="Delivered")
    Delivery.objects.filter(event__conversation=delivered).update(status=DeliveryStatus.SUCCEEDED, attempts=1)
    assert stream_busy(world.webhook.id, waiting.id)

    assert not stream_busy(world.webhook.id, delivered.id)
    assert not stream_busy("another-webhook", waiting.id)

    # The conversation's newest event has no delivery to the webhook (an echo switched off,
    # say): the stream's latest delivery is the one before it.
    newest = Event.objects.filter(conversation=delivered).order_by("-sequence").first()
    assert newest is not None
    Event.objects.create(
        event_id="no-delivery",
        tenant=world.tenant,
        conversation=delivered,
        type=newest.type,
        sequence=newest.sequence + 1,
        payload={},
    )
    assert not stream_busy(world.webhook.id, delivered.id)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_the_stream_is_found_from_the_conversations_events_not_the_webhooks_history(world: World) -> None:
    """Checked on every message: walking the webhook's whole history grew with each one."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {STREAM_LATEST_SQL}", ["webhook", "conversation", "webhook"])
        plan = " | ".join(row[-1] for row in cursor.fetchall())

    assert "event_conversation_seq" in plan
    # Never a search of the deliveries by webhook alone (all of that webhook's history).
    assert "(webhook_id=?)" not in plan
