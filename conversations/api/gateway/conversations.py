"""`/chat-gateway/v1/conversations`: list, create, get, put, patch, interactions."""

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import GatewayView, TimestampField, iso_timestamp, validated
from conversations.api.gateway.messages import MessageInput, message_arguments
from conversations.api.gateway.selectors import conversation_get, conversations_of
from conversations.events.builders import USER_FIELDS, user_of
from conversations.models import AssignmentType, Conversation, Interaction
from conversations.services.lifecycle import conversation_create, conversation_update
from gateway_sim.hal import Listing, hal_collection, hal_page

CONVERSATIONS = Listing(
    name="conversations",
    sort_fields={
        "id": ("id",),
        "channelId": ("channel_id",),
        "state": ("state",),
        "createdAt": ("created_at",),
    },
    filter_fields={
        "id": "id",
        "channelId": "channel_id",
        "state": "state",
        "assignment.type": "assignment_type",
        "assignment.id": "assignment_id",
        **{f"user.{name}": f"user__{name}" for name in USER_FIELDS},
    },
)


def _optional_text(max_length: int) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, allow_null=True)


class AdditionalPropertyInput(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(max_length=256)
    value = serializers.CharField(max_length=4096, allow_blank=True, trim_whitespace=False)


class UserInput(serializers.Serializer):  # type: ignore[type-arg]
    """ConversationUserData.user: what the agent sees about the customer."""

    name = _optional_text(256)
    userId = _optional_text(128)
    customerId = _optional_text(128)
    email = serializers.EmailField(max_length=256, required=False, allow_blank=True, allow_null=True)
    phone = _optional_text(64)
    company = _optional_text(256)
    caseId = _optional_text(256)
    language = _optional_text(16)
    ipaddress = _optional_text(64)
    timezoneOffset = serializers.IntegerField(
        required=False, allow_null=True, min_value=-1440, max_value=1440
    )
    additionalProperties = serializers.ListField(
        child=AdditionalPropertyInput(), max_length=30, required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = {key: value for key, value in attrs.items() if value is not None}
        if "additionalProperties" in user:
            user["additionalProperties"] = [
                {"key": item["key"], "value": item["value"]} for item in user["additionalProperties"]
            ]
        return user


class AssignmentInput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(
        choices=[AssignmentType.QUEUE.value, AssignmentType.SCRIPT.value],
        default=AssignmentType.QUEUE.value,
        error_messages={"invalid_choice": "Invalid assignment.type={input}, has to be one of queue, script"},
    )
    id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class HistoryInput(serializers.Serializer):  # type: ignore[type-arg]
    messages = serializers.ListField(child=MessageInput(), max_length=200)


class ConversationCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    channelId = serializers.CharField(max_length=64)
    user = UserInput()
    assignment = AssignmentInput(required=False, allow_null=True)
    history = HistoryInput(required=False, allow_null=True)


class ConversationUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    """PUT (UpdateTransactionRequest) and PATCH (assignment and/or user): all optional."""

    channelId = serializers.CharField(max_length=64, required=False)
    user = UserInput(required=False)
    assignment = AssignmentInput(required=False)


class AssignmentOutput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField(source="assignment_type")
    id = serializers.CharField(source="assignment_id")


class ConversationOutput(serializers.Serializer):  # type: ignore[type-arg]
    """ConversationResult. `user` is the same object the CONVERSATION_UPDATE events carry."""

    id = serializers.CharField()
    channelId = serializers.CharField(source="channel_id")
    state = serializers.CharField()
    assignment = AssignmentOutput(source="*")
    user = serializers.SerializerMethodField()

    def get_user(self, conversation: Conversation) -> dict[str, Any]:
        return user_of(conversation)


class InteractionOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    startTime = TimestampField(source="started_at")
    endTime = TimestampField(source="ended_at")

    def to_representation(self, instance: Interaction) -> dict[str, Any]:
        # An interaction still going on has no end time: the field is left out.
        data: dict[str, Any] = super().to_representation(instance)
        return {key: value for key, value in data.items() if value is not None}


def _conversations(rows: list[Conversation]) -> list[dict[str, Any]]:
    return list(ConversationOutput(rows, many=True).data)


class ConversationListView(GatewayView):
    def get(self, request: Request) -> Response:
        return Response(hal_page(request, conversations_of(self.tenant), CONVERSATIONS, _conversations))

    def post(self, request: Request) -> Response:
        data = validated(ConversationCreateInput, request)
        history = data.get("history") or {}
        conversation = conversation_create(
            tenant=self.tenant,
            channel_id=data["channelId"],
            user=data["user"],
            assignment=_assignment(data.get("assignment")),
            history=[message_arguments(item) for item in history.get("messages", [])],
        )
        body = {"conversationId": conversation.id, "createdAt": iso_timestamp(conversation.created_at)}
        return Response(body, status=202)


def _assignment(data: dict[str, Any] | None) -> dict[str, str] | None:
    if data is None:
        return None
    return {"type": data["type"], "id": data.get("id", "")}


class ConversationDetailView(GatewayView):
    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        return Response(ConversationOutput(conversation).data)

    def put(self, request: Request, conversation_id: str) -> Response:
        return self._update(request, conversation_id)

    def patch(self, request: Request, conversation_id: str) -> Response:
        return self._update(request, conversation_id)

    def _update(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(ConversationUpdateInput, request)
        conversation = conversation_update(
            conversation=conversation,
            user=data.get("user"),
            assignment=_assignment(data.get("assignment")),
            channel_id=data.get("channelId"),
        )
        return Response(ConversationOutput(conversation).data, status=202)


class InteractionListView(GatewayView):
    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        interactions = InteractionOutput(conversation.interactions.order_by("started_at", "id"), many=True)
        return Response(hal_collection(request, "interactions", list(interactions.data)))
