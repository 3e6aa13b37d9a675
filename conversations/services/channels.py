"""Channels: resolve one by id, create, update (full replace), delete (soft)."""

from django.db import transaction

from conversations.models import ApiFlavour, Channel, Queue, Tenant
from conversations.services.queues import queue_resolve
from gateway_sim.domain_errors import InvalidReference, PreconditionFailed
from webhooks.models import Webhook, WebhookVersion

CHAT_API = "ChatAPI"


def channel_resolve(tenant: Tenant, channel_id: str, *, api: str = ApiFlavour.GATEWAY) -> Channel:
    """A live channel of the tenant, of the same API as the caller (each API sees its own)."""
    channel = (
        Channel.objects.select_related("webhook", "routing_queue")
        .filter(tenant=tenant, pk=channel_id.strip(), is_deleted=False, api=api)
        .first()
    )
    if channel is None:
        raise InvalidReference(
            f"Channel ID {channel_id} is invalid.", code="invalid_channel", field="channelId"
        )
    return channel


def _webhook_resolve(tenant: Tenant, webhook_id: str, api: str) -> Webhook:
    """The live webhook a channel will notify; a Gateway channel needs a Gateway webhook."""
    webhooks = Webhook.objects.filter(tenant=tenant, pk=webhook_id.strip(), is_deleted=False)
    if api == ApiFlavour.GATEWAY:
        webhooks = webhooks.filter(version=WebhookVersion.GATEWAY)
    else:
        webhooks = webhooks.exclude(version=WebhookVersion.GATEWAY)
    webhook = webhooks.first()
    if webhook is None:
        raise InvalidReference(
            f"WebHook ID {webhook_id} is invalid.", code="invalid_webhook", field="webHookId"
        )
    return webhook


def _routing_queue(tenant: Tenant, queue_id: str) -> Queue:
    try:
        return queue_resolve(tenant, queue_id)
    except InvalidReference as error:
        raise InvalidReference(error.message, code=error.code, field="routingOptions.id") from None


def _require_chat_api(channel_type: str) -> None:
    if channel_type != CHAT_API:
        raise InvalidReference(
            f"Invalid type={channel_type}: only ChatAPI channels can be created or updated with the API.",
            code="invalid_channel_type",
            field="type",
        )


def channel_create(
    *,
    tenant: Tenant,
    name: str,
    webhook_id: str,
    queue_id: str,
    channel_type: str = CHAT_API,
    api: ApiFlavour = ApiFlavour.GATEWAY,
) -> Channel:
    """A ChatAPI channel notifying `webhook_id` and routing to queue `queue_id` by default."""
    _require_chat_api(channel_type)
    with transaction.atomic():
        webhook = _webhook_resolve(tenant, webhook_id, api)
        queue = _routing_queue(tenant, queue_id)
        return Channel.objects.create(
            tenant=tenant, name=name, type=channel_type, webhook=webhook, routing_queue=queue, api=api
        )


def channel_update(
    *,
    channel: Channel,
    name: str,
    webhook_id: str,
    queue_id: str,
    channel_type: str = CHAT_API,
    expected_version: int | None = None,
) -> Channel:
    """Full replace (PUT). Existing conversations keep the channel; new events go to the new webhook.

    `expected_version` (a v2 `If-Match`) must be the stored version, else PreconditionFailed.
    """
    _require_chat_api(channel_type)
    with transaction.atomic():
        if expected_version is not None:
            # The check and the write happen under one row lock, so two clients holding the
            # same version cannot both succeed.
            channel = Channel.objects.select_for_update().select_related("tenant").get(pk=channel.pk)
            if channel.version != expected_version:
                raise PreconditionFailed(
                    f"Channel {channel.id} is at version {channel.version}; "
                    f"If-Match named version {expected_version}.",
                    field="If-Match",
                )
        channel.webhook = _webhook_resolve(channel.tenant, webhook_id, channel.api)
        channel.routing_queue = _routing_queue(channel.tenant, queue_id)
        channel.name = name
        channel.type = channel_type
        channel.version += 1
        channel.save(update_fields=["webhook", "routing_queue", "name", "type", "version"])
        return channel


def channel_delete(*, channel: Channel) -> None:
    """Soft delete: the channel leaves the API; its conversations' history stays readable."""
    with transaction.atomic():
        channel.is_deleted = True
        channel.save(update_fields=["is_deleted"])
