"""Webhook services: create, update, delete, verify."""

from django.db import transaction
from django.utils import timezone

from conversations.models import Tenant
from webhooks.models import Webhook


def webhook_create(*, tenant: Tenant, name: str, uri: str, version: str) -> Webhook:
    with transaction.atomic():
        return Webhook.objects.create(tenant=tenant, name=name, uri=uri, version=version)


def webhook_update(*, webhook: Webhook, name: str, uri: str, version: str) -> Webhook:
    with transaction.atomic():
        webhook.name = name
        webhook.uri = uri
        webhook.version = version
        webhook.entity_version += 1
        webhook.updated_at = timezone.now()
        webhook.save(update_fields=["name", "uri", "version", "entity_version", "updated_at"])
        return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """Soft delete: the webhook disappears from the API; its delivery history stays readable."""
    with transaction.atomic():
        webhook.is_deleted = True
        webhook.updated_at = timezone.now()
        webhook.save(update_fields=["is_deleted", "updated_at"])
