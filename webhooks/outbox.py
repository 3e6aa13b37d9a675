"""The event outbox: every domain change records its events here, in its own transaction."""

import functools
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.broadcast import broadcast_on_commit
from conversations.groups import conversation_group, tenant_group
from conversations.models import Conversation
from gateway_sim.db.rows import Table
from webhooks import claims, worker
from webhooks.fanout import body_for, signed_for, target_webhooks
from webhooks.models import Delivery, DeliveryStatus, Event
from webhooks.payloads import envelope
from webhooks.wakeup import notify_delivery_workers

# Every event is written here: plain SQL (see gateway_sim.db.rows).
_CONVERSATIONS = Table.of(Conversation)
_EVENTS = Table.of(Event)
_DELIVERIES = Table.of(Delivery)


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
    pending = False
    for webhook in target_webhooks(conversation):
        body = body_for(webhook, event)
        if body is None:
            continue
        delivery = Delivery(
            event=event,
            webhook=webhook,
            uri=webhook.uri,
            body=body,
            signed=signed_for(webhook),
            next_attempt_at=moment,
        )
        if worker.local_pool_free() and not claims.stream_busy(webhook.id, conversation.pk):
            # Claimed as it is written, and attempted by this process's worker after the
            # commit (see webhooks.worker.hand_over).
            delivery.status = DeliveryStatus.IN_FLIGHT
            delivery.attempts = 1
            delivery.claimed_until = moment + timedelta(seconds=claims.lease_seconds())
            event.tenant = conversation.tenant  # the attempt's x-8x8-tenant/customer-id
            transaction.on_commit(functools.partial(worker.hand_over, delivery))
        else:
            pending = True
        _DELIVERIES.insert(delivery)
    if pending:
        notify_delivery_workers()
    broadcast_on_commit(
        [conversation_group(conversation.id), tenant_group(conversation.tenant_id)],
        "event",
        {"sequence": sequence, "eventId": event.event_id, **event.payload},
    )
    return event
