"""How the control API shows the sandbox's rows: camelCase JSON, ISO-8601 UTC times."""

from typing import Any

from conversations.api.gateway.base import iso_timestamp
from webhooks.models import Delivery, Event


def event_json(event: Event) -> dict[str, Any]:
    return {
        "cursor": event.cursor,
        "eventId": event.event_id,
        "eventType": event.type,
        "conversationId": event.conversation_id,
        "sequence": event.sequence,
        "createdAt": iso_timestamp(event.created_at),
        "payload": event.payload,
        "deliveries": [delivery_summary(delivery) for delivery in event.deliveries.all()],
    }


def delivery_summary(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhookId": delivery.webhook_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
    }
