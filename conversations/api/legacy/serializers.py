"""v2 request and response bodies, field by field (camelCase as on the wire)."""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from rest_framework import serializers

from conversations.api.fields import MessageTextField, nul_errors
from conversations.api.gateway.base import iso_timestamp
from conversations.api.legacy.selectors import LEGACY_VERSIONS
from conversations.models import Channel, Conversation, Interaction, Message, Participant
from gateway_sim.wire import epoch_ms
from webhooks.models import Webhook, WebhookVersion

MAX_CUSTOMER_PROPERTIES = 30
# Keys stored in bounded columns: the display name, the participant's language
# (Participant.language) and its id (Conversation.user_participant_id).
CUSTOMER_MAX_LENGTHS = {"name": 256, "language": 16, "customerId": 128}
MAX_HISTORY_MESSAGES = 200
# Message.author_type's column.
HISTORY_TYPE_MAX_LENGTH = 64
MAX_PAGE_SIZE = 1000


# --- requests ----------------------------------------------------------------------------


class AbsoluteUriField(serializers.CharField):
    """An absolute http(s) URI. Hosts without a dot (docker service names) are fine."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise serializers.ValidationError("Must be an absolute http or https URI.")
        return value


class WebhookVersionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=LEGACY_VERSIONS,
            error_messages={"invalid_choice": "Must be one of v1.0, v2.0."},
            **kwargs,
        )


class WebhookInput(serializers.Serializer[Webhook]):
    """POST and PUT `/web-hooks`. `version` defaults to v2.0."""

    name = serializers.CharField(max_length=256, trim_whitespace=True)
    uri = AbsoluteUriField()
    version = WebhookVersionField(default=WebhookVersion.LEGACY_V2.value)

    def to_internal_value(self, data: Any) -> Any:
        # The spec's required list names `notificationVersion` where it defines `version`;
        # a client that followed the required list is understood too.
        if isinstance(data, dict) and "version" not in data and "notificationVersion" in data:
            data = {**data, "version": data["notificationVersion"]}
        return super().to_internal_value(data)


class WebhookVerifyInput(serializers.Serializer[None]):
    version = WebhookVersionField()
    uri = AbsoluteUriField()


class RoutingOptionsInput(serializers.Serializer[None]):
    type = serializers.ChoiceField(
        choices=["queue"], default="queue", error_messages={"invalid_choice": "Must be queue."}
    )
    id = serializers.CharField(trim_whitespace=True)


class ChannelInput(serializers.Serializer[Channel]):
    """POST and PUT `/channels` (full replace)."""

    name = serializers.CharField(max_length=255, trim_whitespace=True)
    webHookId = serializers.CharField(trim_whitespace=True)
    routingOptions = RoutingOptionsInput()


class CustomerField(serializers.Field):  # type: ignore[type-arg]
    """The flat v2 customer map: string values, at most 30 keys.

    Numbers and booleans are taken as their text (clients send ids as numbers), null values
    are dropped, nested objects and lists are refused.
    """

    default_error_messages = {
        "not_a_map": "Must be a JSON object of string values.",
        "too_many": f"May hold at most {MAX_CUSTOMER_PROPERTIES} properties.",
        "empty_key": "Property names may not be empty.",
    }

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            self.fail("not_a_map")
        if len(data) > MAX_CUSTOMER_PROPERTIES:
            self.fail("too_many")
        nuls = nul_errors(data)
        if nuls:
            # As the Gateway's user fields: no NUL in a name or a value.
            raise serializers.ValidationError(nuls)
        customer: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        for raw_key, value in data.items():
            key = str(raw_key).strip()
            if not key:
                self.fail("empty_key")
            if value is None:
                continue
            if isinstance(value, bool):
                customer[key] = "true" if value else "false"
            elif isinstance(value, str | int | float):
                customer[key] = str(value)
            else:
                errors[key] = ["Must be a string."]
        for key, limit in CUSTOMER_MAX_LENGTHS.items():
            if len(customer.get(key, "")) > limit:
                errors[key] = [f"Ensure this field has no more than {limit} characters."]
        if customer.get("email"):
            try:
                EmailValidator()(customer["email"])
            except DjangoValidationError:
                errors["email"] = ["Must be a well-formed email address."]
        if errors:
            raise serializers.ValidationError(errors)
        return customer

    def to_representation(self, value: dict[str, str]) -> dict[str, str]:
        return value


class HistoryTypeField(serializers.CharField):
    """A history item's author `type`: an extensible enum (`bot`, `user`; default `user`).

    8x8's spec lets values beyond the two it names through, and a published client sends
    `"bot Options:"` after its bot showed quick replies; such values are kept as they came.
    Only the contact center's own authors are refused: a transcript cannot speak as an agent
    or as the system.
    """

    RESERVED = frozenset({"agent", "system"})

    def __init__(self) -> None:
        super().__init__(
            default="user",
            allow_blank=True,
            trim_whitespace=False,
            max_length=HISTORY_TYPE_MAX_LENGTH,
            error_messages={"max_length": f"May hold at most {HISTORY_TYPE_MAX_LENGTH} characters."},
        )

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        if not value.strip():
            return "user"
        if value in self.RESERVED:
            message = f"Must not be {value}: only the contact center speaks as {value}."
            raise serializers.ValidationError(message)
        return value


class HistoryMessageInput(serializers.Serializer[None]):
    text = MessageTextField(allow_blank=True)
    type = HistoryTypeField()

    def to_internal_value(self, data: Any) -> Any:
        # v2 names the author `type`; Gateway-style `authorType` items are read as well.
        if isinstance(data, dict) and "type" not in data and "authorType" in data:
            data = {**data, "type": data["authorType"]}
        return super().to_internal_value(data)


class HistoryInput(serializers.Serializer[None]):
    messages = serializers.ListField(
        child=HistoryMessageInput(),
        max_length=MAX_HISTORY_MESSAGES,
        error_messages={"max_length": f"May hold at most {MAX_HISTORY_MESSAGES} messages."},
    )


class ConversationCreateInput(serializers.Serializer[Conversation]):
    """POST `/conversations`: no assignment in v2; the channel's queue routes it."""

    channelId = serializers.CharField(trim_whitespace=True)
    customer = CustomerField()
    history = HistoryInput(required=False)


class MessageInput(serializers.Serializer[Message]):
    authorType = serializers.ChoiceField(
        choices=["bot", "user"],
        default="user",
        error_messages={"invalid_choice": "Must be one of bot, user."},
    )
    text = MessageTextField()


class PageQuery(serializers.Serializer[None]):
    size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)
    page = serializers.IntegerField(min_value=0, default=0)


STATUSES = ["all", "created", "pending", "handling", "deleted"]


class ConversationListQuery(PageQuery):
    """The list filters; `customer.<key>` filters are read by the view from the raw query."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        # Query names with a dash cannot be attribute names.
        fields["channel-id"] = serializers.CharField(required=False, trim_whitespace=True)
        fields["status"] = serializers.ChoiceField(
            choices=STATUSES,
            default="all",
            error_messages={"invalid_choice": f"Must be one of {', '.join(STATUSES)}."},
        )
        fields["order"] = serializers.ChoiceField(
            choices=["asc", "desc"], default="asc", error_messages={"invalid_choice": "Must be asc or desc."}
        )
        fields["userId"] = serializers.CharField(required=False, trim_whitespace=True)
        return fields


class MessageListQuery(serializers.Serializer[None]):
    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return {"interaction-id": serializers.CharField(required=False, trim_whitespace=True)}


# --- responses ---------------------------------------------------------------------------


def dump_many(
    serializer_class: type[serializers.Serializer[Any]],
    items: Iterable[Any],
    context: dict[str, Any] | None = None,
) -> list[Any]:
    """Serialise a list of rows (the stubs type `instance` for one row only)."""
    return list(serializer_class(items, many=True, context=context or {}).data)


class WebhookOutput(serializers.Serializer[Webhook]):
    id = serializers.CharField()
    name = serializers.CharField()
    uri = serializers.CharField()
    version = serializers.CharField()


class ChannelOutput(serializers.Serializer[Channel]):
    id = serializers.CharField()
    name = serializers.CharField()
    webHookId = serializers.CharField(source="webhook_id", default="")
    routingOptions = serializers.SerializerMethodField()

    def get_routingOptions(self, channel: Channel) -> dict[str, str]:
        queue = channel.routing_queue
        return {"type": "queue", "id": queue.public_id if queue is not None else ""}


class InteractionOutput(serializers.Serializer[Interaction]):
    id = serializers.CharField()
    startTime = serializers.SerializerMethodField()
    endTime = serializers.SerializerMethodField()

    def get_startTime(self, interaction: Interaction) -> str:
        return iso_timestamp(interaction.started_at)

    def get_endTime(self, interaction: Interaction) -> str | None:
        return iso_timestamp(interaction.ended_at) if interaction.ended_at else None

    def to_representation(self, instance: Interaction) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        # An interaction still open has no end: the field is left out rather than null.
        if data["endTime"] is None:
            del data["endTime"]
        return data


class ConversationOutput(serializers.Serializer[Conversation]):
    id = serializers.CharField()
    channelId = serializers.CharField(source="channel_id")
    customer = serializers.DictField(source="legacy_customer", child=serializers.CharField())
    startTime = serializers.SerializerMethodField()
    interactions = InteractionOutput(many=True, source="interactions.all")

    def get_startTime(self, conversation: Conversation) -> str:
        return iso_timestamp(conversation.created_at)


class ConversationCreatedOutput(serializers.Serializer[Conversation]):
    conversationId = serializers.CharField(source="id")
    timestamp = serializers.SerializerMethodField()

    def get_timestamp(self, conversation: Conversation) -> int:
        return epoch_ms(conversation.created_at)


class ParticipantOutput(serializers.Serializer[Participant]):
    id = serializers.CharField(source="participant_id")
    type = serializers.CharField()
    language = serializers.CharField()


class MessageOutput(serializers.Serializer[Message]):
    """`interactionId` comes from the view (`context["interaction_of"]`), see selectors."""

    interactionId = serializers.SerializerMethodField()
    originalText = serializers.CharField(source="text")
    # The sandbox does not translate: the reader sees what the writer wrote.
    translatedText = serializers.CharField(source="text")
    authorType = serializers.CharField(source="author_type")
    participantId = serializers.CharField(source="author_id")

    def get_interactionId(self, message: Message) -> str:
        return str(self.context["interaction_of"][message.pk])
