"""Who is in a conversation and what they do besides messages.

`…/participants`, `…/participants/user` (the user leaves), `…/post-agent-assignment`,
`…/typing`, `…/thinking` and `…/read-receipt`.
"""

from datetime import UTC, datetime

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import GatewayView, validated
from conversations.api.gateway.selectors import conversation_get
from conversations.models import ParticipantType
from conversations.services.activity import integration_thinking, integration_typing, read_receipt_record
from conversations.services.lifecycle import conversation_user_leave
from conversations.services.post_agent import post_agent_assignment_create
from gateway_sim.errors import ErrorShapes, generic_body, invalid_parameter_body, not_found_exception_body
from gateway_sim.hal import hal_collection

# post-agent-assignment, typing, thinking and read-receipt document these two shapes.
INDICATOR_ERRORS = ErrorShapes(bad_request=invalid_parameter_body, not_found=not_found_exception_body)
# Epoch milliseconds of 9999-12-31T23:59:59.999Z, the last instant a timestamp can name.
MAX_EPOCH_MS = 253_402_300_799_999

AUTHOR_TYPES = [ParticipantType.BOT.value, ParticipantType.USER.value]


def _author_type(choices: list[str], **kwargs: object) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        error_messages={
            "invalid_choice": "Invalid authorType={input}, has to be one of " + ", ".join(choices)
        },
        **kwargs,  # type: ignore[arg-type]
    )


class UserLeaveInput(serializers.Serializer):  # type: ignore[type-arg]
    removed = serializers.BooleanField(required=False, default=False)


class PostAgentConfigurationInput(serializers.Serializer):  # type: ignore[type-arg]
    # A string in the spec ("false"); real clients send both strings and booleans.
    notifyChannelWebhookIfExists = serializers.BooleanField(required=False, default=False)
    maxTotalMinutes = serializers.IntegerField(required=False, allow_null=True, min_value=20, max_value=600)
    userTimeoutInMinutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=10, max_value=300
    )


class PostAgentAssignmentInput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(
        choices=["webhook"], error_messages={"invalid_choice": "Invalid type={input}, has to be webhook"}
    )
    id = serializers.CharField(max_length=64)
    configuration = PostAgentConfigurationInput(required=False)


class TypingInput(serializers.Serializer):  # type: ignore[type-arg]
    authorType = _author_type(AUTHOR_TYPES)


class ThinkingInput(serializers.Serializer):  # type: ignore[type-arg]
    authorType = _author_type([ParticipantType.BOT.value], default=ParticipantType.BOT.value)
    maxThinkingTimeSeconds = serializers.IntegerField(min_value=1, max_value=600, default=60)


class ReadReceiptInput(serializers.Serializer):  # type: ignore[type-arg]
    authorType = _author_type(AUTHOR_TYPES)
    readAt = serializers.IntegerField(min_value=0, max_value=MAX_EPOCH_MS)


class ParticipantListView(GatewayView):
    # The operation documents no 404: the spec's default, GenericExceptionPayload, applies.
    error_shapes_by_method = {"GET": ErrorShapes(not_found=generic_body)}

    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        participants = [p.as_author() for p in conversation.participants.order_by("joined_at", "id")]
        return Response(hal_collection(request, "participants", participants))


class UserParticipantView(GatewayView):
    def patch(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        if validated(UserLeaveInput, request)["removed"]:
            conversation_user_leave(conversation=conversation)
        return Response(status=204)


class PostAgentAssignmentView(GatewayView):
    error_shapes_by_method = {"POST": INDICATOR_ERRORS}

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(PostAgentAssignmentInput, request)
        configuration = data.get("configuration") or {}
        post_agent_assignment_create(
            conversation=conversation,
            webhook_id=data["id"],
            notify_channel_webhook=configuration.get("notifyChannelWebhookIfExists", False),
            max_total_minutes=configuration.get("maxTotalMinutes"),
            user_timeout_minutes=configuration.get("userTimeoutInMinutes"),
        )
        return Response(status=201)


class TypingView(GatewayView):
    error_shapes_by_method = {"POST": INDICATOR_ERRORS}

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(TypingInput, request)
        integration_typing(conversation=conversation, author_type=data["authorType"])
        return Response(status=204)


class ThinkingView(GatewayView):
    error_shapes_by_method = {"POST": INDICATOR_ERRORS}

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(ThinkingInput, request)
        integration_thinking(conversation=conversation, max_seconds=data["maxThinkingTimeSeconds"])
        return Response(status=204)


class ReadReceiptView(GatewayView):
    error_shapes_by_method = {"POST": INDICATOR_ERRORS}

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(ReadReceiptInput, request)
        read_at = datetime.fromtimestamp(data["readAt"] / 1000, tz=UTC)
        read_receipt_record(conversation=conversation, author_type=data["authorType"], read_at=read_at)
        return Response(status=204)
