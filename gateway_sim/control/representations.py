"""How the control API shows the sandbox's rows: camelCase JSON, ISO-8601 UTC times."""

from typing import Any

from conversations.api.gateway.base import iso_timestamp
from gateway_sim.models import JournalEntry
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


def journal_entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso_timestamp(entry.at),
        "api": entry.api,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "operation": entry.operation,
        "status": entry.status,
        "latencyMs": entry.latency_ms,
        "conversationId": entry.conversation_id or None,
        "request": {
            "headers": entry.request_headers,
            "body": entry.request_body,
            "bodyTrimmed": entry.request_body_trimmed,
        },
        "response": {
            "headers": entry.response_headers,
            "body": entry.response_body,
            "bodyTrimmed": entry.response_body_trimmed,
        },
    }
