"""Tenant-scoped reads of webhooks and the delivery log, for the control API and console.

A delivery belongs to the tenant of its event. Another tenant's id is answered exactly like
an unknown one (NotFound).
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from gateway_sim.domain_errors import NotFound
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook


@dataclass(frozen=True)
class DeliveryFilter:
    webhook_id: str = ""
    event_id: str = ""
    conversation_id: str = ""
    status: str = ""


def deliveries_of(tenant_id: str, where: DeliveryFilter = DeliveryFilter()) -> QuerySet[Delivery]:
    """The tenant's deliveries matching `where`, newest event first."""
    rows = Delivery.objects.filter(event__tenant_id=tenant_id).select_related("event")
    if where.webhook_id:
        rows = rows.filter(webhook_id=where.webhook_id)
    if where.event_id:
        rows = rows.filter(event__event_id=where.event_id)
    if where.conversation_id:
        rows = rows.filter(event__conversation_id=where.conversation_id)
    if where.status:
        rows = rows.filter(status=where.status)
    return rows.order_by("-event_id", "-created_at", "-id")


def delivery_get(*, tenant_id: str, delivery_id: str) -> Delivery:
    delivery = (
        Delivery.objects.filter(event__tenant_id=tenant_id, pk=delivery_id.strip())
        .select_related("event")
        .first()
    )
    if delivery is None:
        raise NotFound("Delivery", delivery_id)
    return delivery


def attempts_of(deliveries: list[Delivery]) -> dict[str, list[DeliveryAttempt]]:
    """Every attempt of the given deliveries, in the order they were made, in one query."""
    found: dict[str, list[DeliveryAttempt]] = {delivery.pk: [] for delivery in deliveries}
    for attempt in DeliveryAttempt.objects.filter(delivery__in=deliveries).order_by("retry", "id"):
        found[attempt.delivery_id].append(attempt)
    return found


def webhooks_with_counts(tenant_id: str) -> QuerySet[Webhook]:
    """The tenant's live webhooks (every version), each annotated with its deliveries per status."""
    counts = {
        f"deliveries_{status}": Count("deliveries", filter=Q(deliveries__status=status))
        for status in DeliveryStatus.values
    }
    return (
        Webhook.objects.filter(tenant_id=tenant_id, is_deleted=False)
        .annotate(**counts)
        .order_by("created_at", "id")
    )


def webhook_live_get(*, tenant_id: str, webhook_id: str) -> Webhook:
    webhook = webhooks_with_counts(tenant_id).filter(pk=webhook_id.strip()).first()
    if webhook is None:
        raise NotFound("Webhook", webhook_id)
    return webhook
