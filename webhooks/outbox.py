"""The event outbox: every domain change records its events here, in its own transaction."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.broadcast import broadcast_on_commit
from conversations.groups import conversation_group, tenant_group
from conversations.models import Conversation
from gateway_sim.db.rows import Table
from webhooks.fanout import body_for, signed_for, target_webhooks
from webhooks.models import Delivery, Event
from webhooks.payloads import envelope
from webhooks.wakeup import notify_delivery_workers

# Every event is written here: plain SQL (see gateway_sim.db.rows).
_CONVERSATIONS = Table(Conversation)
_EVENTS = Table(Event)
_DELIVERIES = Table(Delivery)


def event_record(
    *,
    conversation: Conversation,
    event_type: str,
    data: Any,
    moment: datetime | None = None,
) -> Event:
    """Write one event and its deliveries. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must be called inside transaction.atomic()")
    moment = moment or timezone.now()
    sequence = conversation.next_event_seq()
    _CONVERSATIONS.update(conversation.pk, event_seq=sequence)
    event = _EVENTS.insert(
        Event(
            tenant_id=conversation.tenant_id,
            conversation=conversation,
            type=event_type,
            sequence=sequence,
            payload=envelope(event_type, conversation.id, moment, data),
            created_at=moment,
        )
    )
    deliveries = []
    for webhook in target_webhooks(conversation):
        body = body_for(webhook, event)
        if body is not None:
            deliveries.append(
                Delivery(
                    event=event,
                    webhook=webhook,
                    uri=webhook.uri,
                    body=body,
                    signed=signed_for(webhook),
                    next_attempt_at=moment,
                )
            )
    for delivery in deliveries:
        _DELIVERIES.insert(delivery)
    if deliveries:
        notify_delivery_workers()
    broadcast_on_commit(
        [conversation_group(conversation.id), tenant_group(conversation.tenant_id)],
        "event",
        {"sequence": sequence, "eventId": event.event_id, **event.payload},
    )
    return event
