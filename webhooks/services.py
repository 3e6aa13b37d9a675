"""Webhook services: create, update, delete, verify, echo; and the delivery log's actions."""

from datetime import timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from gateway_sim.domain_errors import InvalidTransition, PreconditionFailed, WebhookVerificationFailed
from gateway_sim.wire import compact_json
from webhooks.claims import lease_seconds
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook, WebhookVersion, signed_version
from webhooks.wakeup import notify_delivery_workers
from webhooks.worker import attempt

VERIFY_EVENT = "WEB_HOOK_VERIFY"


class Tenancy(Protocol):
    """The tenant a webhook belongs to, as this app needs it."""

    @property
    def id(self) -> str: ...

    @property
    def customer_id(self) -> str: ...


def webhook_create(*, tenant: Tenancy, name: str, uri: str, version: str) -> Webhook:
    """Create a webhook and, like 8x8, say hello to it with a WEB_HOOK_VERIFY event.

    The hello goes through the outbox: it is delivered (and retried) in the background,
    and an unreachable URI never fails the creation.
    """
    with transaction.atomic():
        webhook = Webhook.objects.create(tenant_id=tenant.id, name=name, uri=uri, version=version)
        _verify_delivery_record(tenant=tenant, webhook=webhook, uri=uri, version=version)
        notify_delivery_workers()
        return webhook


def webhook_update(
    *, webhook: Webhook, name: str, uri: str, version: str, expected_version: int | None = None
) -> Webhook:
    """Change a webhook. Its pending deliveries (first attempts and retries) go to the new URI.

    Bodies already built stay as they are: a version change applies to events from now on.
    A delivery in flight finishes its attempt against the URI it was claimed with.
    `expected_version` (a v2 `If-Match`) must be the stored entity version, else PreconditionFailed.
    """
    now = timezone.now()
    with transaction.atomic():
        if expected_version is not None:
            # The check and the write happen under one row lock, so two clients holding the
            # same version cannot both succeed.
            webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
            if webhook.entity_version != expected_version:
                raise PreconditionFailed(
                    f"WebHook {webhook.id} is at version {webhook.entity_version}; "
                    f"If-Match named version {expected_version}.",
                    field="If-Match",
                )
        webhook.name = name
        webhook.uri = uri
        webhook.version = version
        webhook.entity_version += 1
        webhook.updated_at = now
        webhook.save(update_fields=["name", "uri", "version", "entity_version", "updated_at"])
        # The status filter re-checks under the row lock, so a delivery a worker has just
        # claimed is left to that worker.
        Delivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).exclude(uri=uri).update(
            uri=uri, updated_at=now
        )
        return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """Soft delete: the webhook disappears from the API; its delivery history stays readable.

    Its pending deliveries will never be attempted again: they fail, naming the deletion.
    """
    now = timezone.now()
    with transaction.atomic():
        webhook.is_deleted = True
        webhook.updated_at = now
        webhook.save(update_fields=["is_deleted", "updated_at"])
        Delivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            claimed_until=None,
            last_error=f"webhook {webhook.id} was deleted",
            updated_at=now,
        )


def webhook_set_echo(*, webhook: Webhook, echo: bool) -> Webhook:
    """Whether the integration's own messages come back to this webhook as `isEcho: true`."""
    with transaction.atomic():
        webhook.echo = echo
        webhook.updated_at = timezone.now()
        webhook.save(update_fields=["echo", "updated_at"])
        return webhook


def webhook_verify(*, tenant: Tenancy, uri: str, version: str) -> None:
    """Send a WEB_HOOK_VERIFY to `uri` now and wait for the answer (`POST /webhooks/verify`).

    The one delivery made inline: it is logged like any other, is tried once, and raises
    `WebhookVerificationFailed` unless the target answers 2xx within the timeout.
    """
    with transaction.atomic():
        delivery = _verify_delivery_record(tenant=tenant, webhook=None, uri=uri, version=version)
        # Claimed by this request from the start, so no worker takes it as well.
        now = timezone.now()
        delivery.status = DeliveryStatus.IN_FLIGHT
        delivery.attempts = 1
        delivery.claimed_until = now + timedelta(seconds=lease_seconds())
        delivery.save(update_fields=["status", "attempts", "claimed_until"])
    log = attempt(delivery, retries=False)
    if not log.succeeded:
        reason = log.error or f"it answered HTTP {log.status_code}"
        raise WebhookVerificationFailed(f"Webhook verification of {uri} failed: {reason}.")


def _verify_delivery_record(*, tenant: Tenancy, webhook: Webhook | None, uri: str, version: str) -> Delivery:
    payload = web_hook_verify(version)
    event = Event.objects.create(tenant_id=tenant.id, conversation=None, type=VERIFY_EVENT, payload=payload)
    return Delivery.objects.create(
        event=event,
        webhook=webhook,
        uri=uri,
        customer_id=tenant.customer_id,
        body=compact_json(payload),
        signed=signed_version(version),
        next_attempt_at=event.created_at,
    )


def web_hook_verify(version: str) -> dict[str, Any]:
    """The WEB_HOOK_VERIFY body: a v1.0 webhook is told the notification version v2.0."""
    notification_version = "v2.0" if version == WebhookVersion.LEGACY_V1 else version
    return {"notificationVersion": notification_version, "eventType": VERIFY_EVENT}


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Send a delivery again (one more attempt, same event id, `x-8x8-retry` counting on).

    A failed delivery gets one more attempt; a pending one is tried now.
    """
    now = timezone.now()
    with transaction.atomic():
        moved = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status=DeliveryStatus.IN_FLIGHT, claimed_until__gte=now)
            .update(status=DeliveryStatus.PENDING, next_attempt_at=now, claimed_until=None, updated_at=now)
        )
        if not moved:
            raise InvalidTransition(f"Delivery {delivery.pk} is being attempted right now.", code="in_flight")
        notify_delivery_workers()
    delivery.refresh_from_db()
    return delivery


def deliveries_retry_now(*, tenant: Tenancy) -> int:
    """Make every pending retry of the tenant due now. Returns how many were moved."""
    now = timezone.now()
    with transaction.atomic():
        moved = Delivery.objects.filter(
            event__tenant_id=tenant.id, status=DeliveryStatus.PENDING, next_attempt_at__gt=now
        ).update(next_attempt_at=now, updated_at=now)
        if moved:
            notify_delivery_workers()
    return moved
