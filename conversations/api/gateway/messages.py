"""`…/conversations/{id}/messages`: post, list, get by id; `…/messages/{id}/cards`."""

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.fields import MessageTextField, nul_errors
from conversations.api.gateway.base import GatewayView, TimestampField, validated
from conversations.api.gateway.selectors import cards_of, conversation_get, message_get, messages_of
from conversations.models import Conversation, Message, Participant, ParticipantType
from conversations.services.messages import message_post
from gateway_sim.errors import ErrorShapes, bad_request_body, generic_body
from gateway_sim.hal import Listing, hal_page

CARD_CONTENT_TYPES = [
    "application/vnd.microsoft.card.adaptive",
    "application/8x8.quick.replies",
    "Interactive",
    "Location",
    "Template",
    "Suggestions",
    "Buttons",
    "Carousel",
]

MESSAGES = Listing(
    name="messages", sort_fields={"createdAt": ("created_at", "seq")}, default_sort="createdAt:desc"
)
CARDS = Listing(
    name="cards", sort_fields={"createdAt": ("created_at", "position")}, default_sort="createdAt:desc"
)


class ExternalProviderInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.ChoiceField(
        choices=["X"],
        error_messages={"invalid_choice": 'Invalid externalProvider.name="{input}", has to be X'},
    )
    externalMessageId = serializers.CharField(max_length=128)


class AttachmentReferenceInput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField(max_length=64)


class CardInput(serializers.Serializer):  # type: ignore[type-arg]
    contentType = serializers.ChoiceField(
        choices=CARD_CONTENT_TYPES,
        default=CARD_CONTENT_TYPES[0],
        error_messages={
            "invalid_choice": 'Invalid contentType="{input}", has to be one of '
            + ", ".join(CARD_CONTENT_TYPES)
        },
    )
    content = serializers.DictField(default=dict)

    def validate_content(self, content: dict[str, Any]) -> dict[str, Any]:
        nuls = nul_errors(content)
        if nuls:
            raise serializers.ValidationError(nuls)
        return content

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["contentType"] == QUICK_REPLIES:
            quick_replies_check(attrs["content"])
        return attrs


QUICK_REPLIES = "application/8x8.quick.replies"


def quick_replies_check(content: dict[str, Any]) -> None:
    """The quick-replies shape card actions rely on: `options` is a list of objects with a
    string `title` and an optional object `data` whose optional `postback` is a string."""
    options = content.get("options", [])
    if not isinstance(options, list):
        raise serializers.ValidationError({"content": {"options": ["Must be a list of objects."]}})
    errors: dict[int, Any] = {}
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            errors[index] = ["Must be an object with a string title."]
            continue
        if not isinstance(option.get("title"), str):
            errors[index] = {"title": ["Must be a string."]}
        data = option.get("data")
        if data is None:
            continue
        if not isinstance(data, dict):
            errors.setdefault(index, {})["data"] = ["Must be an object."]
        elif "postback" in data and not isinstance(data["postback"], str):
            errors.setdefault(index, {})["data.postback"] = ["Must be a string."]
    if errors:
        # Keyed by option index, as ListField reports its items, so the message names the option.
        detail: Any = {"content": {"options": errors}}
        raise serializers.ValidationError(detail)


class MessageInput(serializers.Serializer):  # type: ignore[type-arg]
    """SendConversationMessagePayload, or its externalProvider variant (also history items)."""

    authorType = serializers.ChoiceField(
        choices=[ParticipantType.USER.value, ParticipantType.BOT.value],
        error_messages={"invalid_choice": "Invalid authorType={input}, has to be one of user, bot"},
    )
    text = MessageTextField(required=False, allow_blank=True)
    externalProvider = ExternalProviderInput(required=False)
    attachments = serializers.ListField(child=AttachmentReferenceInput(), required=False)
    cards = serializers.ListField(child=CardInput(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_text = bool(attrs.get("text", "").strip())
        if "externalProvider" in attrs and has_text:
            raise serializers.ValidationError(
                "text and externalProvider cannot be provided at the same time.", code="invalid"
            )
        if not (has_text or "externalProvider" in attrs or attrs.get("attachments") or attrs.get("cards")):
            raise serializers.ValidationError(
                {"text": "text is required when there is no externalProvider, attachment or card."}
            )
        return attrs


def message_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """A validated MessageInput as plain JSON-ready values, keyed like the 8x8 payload."""
    item: dict[str, Any] = {
        "authorType": data["authorType"],
        "text": data.get("text", ""),
        "attachments": [{"id": ref["id"]} for ref in data.get("attachments", [])],
        "cards": [
            {"contentType": c["contentType"], "content": dict(c["content"])} for c in data.get("cards", [])
        ],
    }
    if "externalProvider" in data:
        item["externalProvider"] = dict(data["externalProvider"])
    return item


class CardOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    contentType = serializers.CharField(source="content_type")
    content = serializers.JSONField()
    actionSubmitted = serializers.BooleanField(source="action_submitted")
    actionExecuted = serializers.BooleanField(source="action_executed")


class MessageOutput(serializers.Serializer):  # type: ignore[type-arg]
    """MessageResult. `context["authors"]` maps (type, id) to the conversation's participants."""

    id = serializers.CharField()
    text = serializers.CharField()
    createdAt = TimestampField(source="created_at")
    author = serializers.SerializerMethodField()
    externalProvider = serializers.JSONField(source="external_provider")
    attachments = serializers.SerializerMethodField()
    cards = CardOutput(many=True)

    def get_author(self, message: Message) -> dict[str, Any]:
        participant: Participant | None = self.context["authors"].get(
            (message.author_type, message.author_id)
        )
        if participant is not None:
            return participant.as_author()
        conversation: Conversation = self.context["conversation"]
        return {
            "id": message.author_id,
            "removed": False,
            "type": message.author_type,
            "language": conversation.language,
        }

    def get_attachments(self, message: Message) -> list[dict[str, str]]:
        return [{"id": attachment.id} for attachment in message.attachments.all()]

    def to_representation(self, instance: Message) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if data["externalProvider"] is None:
            del data["externalProvider"]
        return data


def messages_output(conversation: Conversation, rows: Iterable[Message]) -> list[dict[str, Any]]:
    authors = {(p.type, p.participant_id): p for p in conversation.participants.all()}
    context = {"authors": authors, "conversation": conversation}
    return list(MessageOutput(list(rows), many=True, context=context).data)


class MessageListView(GatewayView):
    error_shapes_by_method = {
        # Only GET documents no 404: it falls to the spec's default, GenericExceptionPayload.
        "GET": ErrorShapes(not_found=generic_body),
        "POST": ErrorShapes(bad_request=bad_request_body),
    }

    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        return Response(
            hal_page(
                request, messages_of(conversation), MESSAGES, lambda rows: messages_output(conversation, rows)
            )
        )

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id, related=False)
        item = message_arguments(validated(MessageInput, request))
        message_post(
            conversation=conversation,
            author_type=item["authorType"],
            text=item["text"],
            attachments=item["attachments"],
            cards=item["cards"],
            external_provider=item.get("externalProvider"),
        )
        return Response(status=202)


class MessageDetailView(GatewayView):
    def get(self, request: Request, conversation_id: str, message_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        message = message_get(conversation=conversation, message_id=message_id)
        return Response(messages_output(conversation, [message])[0])


class MessageCardsView(GatewayView):
    error_shapes_by_method = {"GET": ErrorShapes(not_found=generic_body)}

    def get(self, request: Request, conversation_id: str, message_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        message = message_get(conversation=conversation, message_id=message_id)
        return Response(
            hal_page(request, cards_of(message), CARDS, lambda rows: list(CardOutput(rows, many=True).data))
        )
