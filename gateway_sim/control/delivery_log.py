"""How the control API shows deliveries, their attempts and webhooks: camelCase JSON."""

from typing import Any

from conversations.api.gateway.base import iso_timestamp
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """One delivery without its attempts (`select_related("event")` spares a query each)."""
    pending = delivery.status == DeliveryStatus.PENDING
    return {
        "id": delivery.id,
        "webhookId": delivery.webhook_id,
        "uri": delivery.uri,
        "eventId": delivery.event.event_id,
        "eventType": delivery.event.type,
        "conversationId": delivery.event.conversation_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "signed": delivery.signed,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
        "nextAttemptAt": iso_timestamp(delivery.next_attempt_at) if pending else None,
        "createdAt": iso_timestamp(delivery.created_at),
        "updatedAt": iso_timestamp(delivery.updated_at),
    }


def delivery_detail_json(delivery: Delivery, attempts: list[DeliveryAttempt]) -> dict[str, Any]:
    """A delivery with the exact body it sends and every attempt made so far."""
    return {
        **delivery_json(delivery),
        "body": delivery.body,
        "attemptLog": [attempt_json(a) for a in attempts],
    }


def attempt_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "retry": attempt.retry,
        "startedAt": iso_timestamp(attempt.started_at),
        "requestHeaders": attempt.request_headers,
        "requestBody": attempt.request_body,
        "statusCode": attempt.status_code,
        "responseHeaders": attempt.response_headers,
        # Already trimmed when it was received (webhooks.delivery.RESPONSE_BODY_LIMIT).
        "responseBody": attempt.response_body,
        "latencyMs": attempt.latency_ms,
        "error": attempt.error,
    }


def webhook_json(webhook: Webhook) -> dict[str, Any]:
    """A webhook annotated by `webhooks.selectors.webhooks_with_counts`."""
    return {
        "id": webhook.id,
        "name": webhook.name,
        "uri": webhook.uri,
        "version": webhook.version,
        "echo": webhook.echo,
        "deliveries": {status: getattr(webhook, f"deliveries_{status}") for status in DeliveryStatus.values},
    }
