"""Read side of the v2 API: what a v2 client can see of a tenant, and how lists page.

The v2 API sees the resources made through it: webhooks of version v1.0/v2.0, channels
and conversations created over v2. Gateway resources of the same tenant stay on the Gateway
API (a v2 webhook list cannot even express the version `Chat Gateway v1.0`).
"""

import math
from bisect import bisect_left
from typing import Any, TypeVar

from django.db.models import Model, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from conversations.api.gateway.selectors import path_id
from conversations.models import (
    ApiFlavour,
    Channel,
    Conversation,
    ConversationState,
    Interaction,
    InteractionStatus,
    Message,
    Tenant,
)
from gateway_sim.domain_errors import InvalidReference, NotFound
from webhooks.models import Webhook, WebhookVersion

LEGACY_VERSIONS = [WebhookVersion.LEGACY_V1.value, WebhookVersion.LEGACY_V2.value]

M = TypeVar("M", bound=Model)


def page_of(queryset: QuerySet[M], *, size: int, page: int) -> tuple[list[M], dict[str, int]]:
    """One page of a list and the v2 `page` object that describes it."""
    count = queryset.count()
    items = list(queryset[page * size : (page + 1) * size]) if page * size < count else []
    return items, {
        "pageSize": size,
        "pageIndex": page,
        "elementCount": count,
        "pageCount": math.ceil(count / size),
    }


def legacy_webhooks(tenant: Tenant) -> QuerySet[Webhook]:
    return Webhook.objects.filter(tenant=tenant, is_deleted=False, version__in=LEGACY_VERSIONS)


def legacy_webhook_get(tenant: Tenant, webhook_id: str) -> Webhook:
    webhook = legacy_webhooks(tenant).filter(pk=path_id(webhook_id, "WebHook")).first()
    if webhook is None:
        raise NotFound("WebHook", webhook_id.strip())
    return webhook


def legacy_channels(tenant: Tenant) -> QuerySet[Channel]:
    return Channel.objects.filter(tenant=tenant, is_deleted=False, api=ApiFlavour.LEGACY).select_related(
        "routing_queue"
    )


def legacy_channel_get(tenant: Tenant, channel_id: str) -> Channel:
    channel = legacy_channels(tenant).filter(pk=path_id(channel_id, "Channel")).first()
    if channel is None:
        raise NotFound("Channel", channel_id.strip())
    return channel


def legacy_channel_require(tenant: Tenant, channel_id: str) -> Channel:
    """The v2 channel a request body names (an unknown one is the body's fault: 400)."""
    channel = legacy_channels(tenant).filter(pk=channel_id.strip()).first()
    if channel is None:
        raise InvalidReference(
            f"Channel ID {channel_id.strip()} is invalid.", code="invalid_channel", field="channelId"
        )
    return channel


def legacy_conversation_get(tenant: Tenant, conversation_id: str) -> Conversation:
    conversation = (
        Conversation.objects.filter(
            tenant=tenant, api=ApiFlavour.LEGACY, pk=path_id(conversation_id, "Conversation")
        )
        .prefetch_related("interactions")
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation", conversation_id.strip())
    return conversation


def _json_text(column: str, key: str) -> Cast:
    """The text at `column[key]`, for any key (dots, dashes, double underscores included).

    The cast matters: compared directly, a key transform would read the right-hand side as
    JSON, and a plain string is not.
    """
    return Cast(KeyTextTransform(key, column), output_field=TextField())


def legacy_conversation_list(
    *,
    tenant: Tenant,
    channel_id: str | None = None,
    status: str = "all",
    order: str = "asc",
    user_id: str | None = None,
    customer: dict[str, str] | None = None,
) -> QuerySet[Conversation]:
    """The tenant's v2 conversations, filtered as `GET /conversations` allows.

    `status` maps the v2 transaction states onto the domain: `created` (not yet routed),
    `pending` (waiting in a queue), `handling` (with an agent), `deleted` (ended, idle).
    """
    conversations = Conversation.objects.filter(tenant=tenant, api=ApiFlavour.LEGACY)
    if channel_id:
        conversations = conversations.filter(channel_id=channel_id)
    if status == "created":
        conversations = conversations.filter(state=ConversationState.CREATED)
    elif status == "pending":
        # At most one interaction is open, so this join yields each conversation once.
        conversations = conversations.filter(interactions__status=InteractionStatus.QUEUED)
    elif status == "handling":
        conversations = conversations.filter(interactions__status=InteractionStatus.WITH_AGENT)
    elif status == "deleted":
        conversations = conversations.filter(state=ConversationState.IDLE)
    if user_id:
        conversations = conversations.alias(_user_id=_json_text("user", "userId")).filter(_user_id=user_id)
    for index, (key, value) in enumerate((customer or {}).items()):
        alias = f"_customer_{index}"
        conversations = conversations.alias(**{alias: _json_text("legacy_customer", key)}).filter(
            **{alias: value}
        )
    ordering = ["created_at", "id"] if order == "asc" else ["-created_at", "-id"]
    return conversations.order_by(*ordering).prefetch_related("interactions")


def legacy_messages(
    conversation: Conversation, *, interaction_id: str | None = None
) -> tuple[list[Message], dict[Any, str]]:
    """A conversation's messages in order, and the interaction each one belongs to.

    Messages written while no interaction was open (the creation history, the user message
    that re-opens an idle conversation) belong to the interaction that started with them.
    """
    interactions = list(Interaction.objects.filter(conversation=conversation).order_by("started_at", "id"))
    starts = [interaction.started_at for interaction in interactions]
    messages = list(Message.objects.filter(conversation=conversation).order_by("seq"))
    interaction_of: dict[Any, str] = {}
    for message in messages:
        if message.interaction_id:
            interaction_of[message.pk] = message.interaction_id
        elif interactions:
            index = min(bisect_left(starts, message.created_at), len(interactions) - 1)
            interaction_of[message.pk] = interactions[index].id
        else:
            interaction_of[message.pk] = ""
    if interaction_id:
        messages = [message for message in messages if interaction_of[message.pk] == interaction_id]
    return messages, interaction_of
