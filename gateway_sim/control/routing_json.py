"""How the control API shows queues, agents, their offers and chats, and what an action did.

Output serializers with every field spelled out (camelCase through `source=`); they also
document the responses in the generated schema.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.api.gateway.base import TimestampField, iso_timestamp
from conversations.events import builders
from conversations.models import Agent, Conversation, InteractionStatus, Message, Queue


@extend_schema_field(OpenApiTypes.DATETIME)
class Time(TimestampField):
    """ISO-8601 UTC with milliseconds and `Z`, as 8x8 writes times."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class PublicIds(serializers.Field):  # type: ignore[type-arg]
    """The public ids of related queues or agents (prefetched)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return [item.public_id for item in value.all()]


class AgentRef(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField(source="public_id")
    name = serializers.CharField()
    status = serializers.CharField()


class QueueOut(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField(source="public_id")
    name = serializers.CharField()
    agentIds = PublicIds(source="agents")
    members = AgentRef(source="agents", many=True)
    waiting = serializers.IntegerField(help_text="Chats waiting in the queue for an agent.")
    active = serializers.IntegerField(help_text="Chats of the queue an agent is handling.")
    createdAt = Time(source="created_at")


def queues_shown(queues: QuerySet[Queue]) -> QuerySet[Queue]:
    """What `QueueOut` reads, in one query per list: members prefetched, chats counted."""
    return queues.prefetch_related("agents").annotate(
        waiting=Count("interactions", filter=Q(interactions__status=InteractionStatus.QUEUED)),
        active=Count("interactions", filter=Q(interactions__status=InteractionStatus.WITH_AGENT)),
    )


class AgentOut(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField(source="public_id")
    name = serializers.CharField()
    status = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    capacity = serializers.IntegerField()
    queueIds = PublicIds(source="queues")
    chats = serializers.IntegerField(help_text="Chats the agent is handling now.")
    pendingOffers = serializers.IntegerField(source="pending_offers")
    createdAt = Time(source="created_at")


def agents_shown(agents: QuerySet[Agent]) -> QuerySet[Agent]:
    """What `AgentOut` reads, in one query per list: queues prefetched, chats and offers counted."""
    return agents.prefetch_related("queues").annotate(
        chats=Count(
            "interactions", filter=Q(interactions__status=InteractionStatus.WITH_AGENT), distinct=True
        ),
        pending_offers=Count("offers", filter=Q(offers__status="pending"), distinct=True),
    )


class QueueRef(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField(source="public_id")
    name = serializers.CharField()


class OfferOut(serializers.Serializer):  # type: ignore[type-arg]
    offerId = serializers.CharField(source="id")
    conversationId = serializers.CharField(source="interaction.conversation_id")
    queue = QueueRef(source="interaction.queue", allow_null=True)
    displayName = serializers.CharField(source="interaction.conversation.display_name")
    createdAt = Time(source="created_at")
    expiresAt = Time(source="expires_at")


class ChatOut(serializers.Serializer):  # type: ignore[type-arg]
    conversationId = serializers.CharField(source="conversation_id")
    state = serializers.CharField(source="conversation.state")
    displayName = serializers.CharField(source="conversation.display_name")
    since = Time(source="joined_at", help_text="When the agent joined the chat.")
    wrapUp = serializers.BooleanField(
        source="removed", help_text="The agent left; the wrap-up is not closed."
    )
    leftAt = Time(source="left_at", allow_null=True)


class AssignmentOut(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField(source="assignment_type")
    id = serializers.CharField(source="assignment_id")


class ConversationOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    state = serializers.CharField()
    assignment = AssignmentOut(source="*")
    agentId = serializers.CharField(source="agent.public_id", allow_null=True, default=None)
    updatedAt = Time(source="updated_at")


def conversation_json(conversation_id: str) -> dict[str, Any]:
    conversation = Conversation.objects.select_related("agent").get(pk=conversation_id)
    return dict(ConversationOut(conversation).data)


class MessageOut(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    conversationId = serializers.CharField()
    createdAt = serializers.CharField()
    sender = serializers.DictField()
    text = serializers.CharField()
    attachments = serializers.ListField(child=serializers.DictField())
    cards = serializers.ListField(child=serializers.DictField())


def message_json(message_id: str) -> dict[str, Any]:
    """The message as its MESSAGE event carries it, with its id and time."""
    message = Message.objects.prefetch_related("attachments", "cards").get(pk=message_id)
    data = builders.message_data(message, is_echo=False)
    return {
        "id": message.id,
        "conversationId": message.conversation_id,
        "createdAt": iso_timestamp(message.created_at),
        "sender": data["sender"],
        "text": data["text"],
        "attachments": data["attachments"],
        "cards": data["cards"],
    }


def checked(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:  # type: ignore[type-arg]
    """The validated input, or a 400 naming each bad field."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
