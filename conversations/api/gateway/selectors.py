"""Tenant-scoped reads of the Chat Gateway API: what a path id names, or NotFound.

Another tenant's id is answered exactly like an unknown one. The Gateway API sees Gateway
resources only: legacy v2 webhooks, channels and conversations live behind the v2 API.
"""

from django.db.models import QuerySet

from conversations.models import (
    ApiFlavour,
    Attachment,
    Card,
    Channel,
    Conversation,
    Message,
    Tenant,
)
from conversations.store import conversation_load
from gateway_sim.domain_errors import NotFound
from webhooks.models import Webhook, WebhookVersion


def path_id(raw: str, resource_type: str) -> str:
    """Ids are trimmed; one no row can have (a NUL character) is simply not found."""
    value = raw.strip()
    if not value or "\x00" in value:
        raise NotFound(resource_type, raw)
    return value


def webhooks_of(tenant: Tenant) -> QuerySet[Webhook]:
    return Webhook.objects.filter(tenant=tenant, is_deleted=False, version=WebhookVersion.GATEWAY)


def webhook_get(*, tenant: Tenant, webhook_id: str) -> Webhook:
    webhook = webhooks_of(tenant).filter(pk=path_id(webhook_id, "Webhook")).first()
    if webhook is None:
        raise NotFound("Webhook", webhook_id)
    return webhook


def channels_of(tenant: Tenant) -> QuerySet[Channel]:
    return Channel.objects.filter(tenant=tenant, is_deleted=False, api=ApiFlavour.GATEWAY).select_related(
        "routing_queue"
    )


def channel_get(*, tenant: Tenant, channel_id: str) -> Channel:
    channel = channels_of(tenant).filter(pk=path_id(channel_id, "Channel")).first()
    if channel is None:
        raise NotFound("Channel", channel_id)
    return channel


def conversations_of(tenant: Tenant) -> QuerySet[Conversation]:
    return Conversation.objects.filter(tenant=tenant, api=ApiFlavour.GATEWAY)


def conversation_get(*, tenant: Tenant, conversation_id: str, related: bool = True) -> Conversation:
    """The tenant's Gateway conversation; without `related` only its own row (enough for an
    operation whose service locks and loads it again)."""
    conversation = conversation_load(
        path_id(conversation_id, "Conversation"), tenant_id=tenant.id, api=ApiFlavour.GATEWAY, related=related
    )
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    return conversation


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).prefetch_related("attachments", "cards")


def message_get(*, conversation: Conversation, message_id: str) -> Message:
    message = (
        Message.objects.filter(conversation=conversation).filter(pk=path_id(message_id, "Message")).first()
    )
    if message is None:
        raise NotFound("Message", message_id)
    return message


def cards_of(message: Message) -> QuerySet[Card]:
    return Card.objects.filter(message=message)


def attachments_of(conversation: Conversation) -> QuerySet[Attachment]:
    return Attachment.objects.filter(conversation=conversation)


def attachment_get(*, conversation: Conversation, attachment_id: str) -> Attachment:
    attachment = attachments_of(conversation).filter(pk=path_id(attachment_id, "Attachment")).first()
    if attachment is None:
        raise NotFound("Attachment", attachment_id)
    return attachment
