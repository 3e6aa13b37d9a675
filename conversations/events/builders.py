"""One builder per Chat Gateway event type: pure functions of model state.

Each returns the event, its type with its typed `data`, so a type can never travel with
another type's payload. The outbox stores the envelope around it, webhook deliveries
serialise it, and desktop pushes carry the same dicts, so the integration and the agent's
browser always see the same facts.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NotRequired, TypedDict

from conversations.attachment_links import presigned_url
from conversations.models import Agent, Attachment, Card, Conversation, Message, Queue
from gateway_sim.wire import epoch_ms

USER_FIELDS = ("name", "userId", "email", "phone", "company", "caseId", "language")

EventType = Literal["CONVERSATION_UPDATE", "QUEUED", "MEMBERS_CHANGED", "MESSAGE", "ACTIVITY", "TRANSFER"]


class Assignment(TypedDict):
    type: str
    id: str


class ConversationUpdateData(TypedDict):
    state: str
    assignment: Assignment
    user: dict[str, Any]
    channel: str
    msisdn: NotRequired[str]


class QueuedData(TypedDict):
    queueId: str
    queueName: str


class MembersChangedData(TypedDict):
    memberType: Literal["user", "agent"]
    change: Literal["joined", "left"]
    id: str


class Sender(TypedDict):
    id: str
    type: str


class AttachmentItem(TypedDict):
    id: str
    type: str
    preSignedUrl: str
    fileName: str


class CardItem(TypedDict):
    id: str
    contentType: str
    content: Any


class MessageData(TypedDict):
    isEcho: bool
    sender: Sender
    text: str
    attachments: list[AttachmentItem]
    cards: list[CardItem]
    externalProvider: NotRequired[dict[str, Any]]


class ActivityData(TypedDict):
    name: Literal["typing", "quickReply/action", "adaptiveCard/action"]
    value: dict[str, Any]


EventData = ConversationUpdateData | QueuedData | MembersChangedData | MessageData | ActivityData


class Envelope(TypedDict):
    """What the outbox stores and a Chat Gateway webhook receives."""

    eventType: EventType
    conversationId: str
    timestamp: int
    data: NotRequired[EventData]


@dataclass(frozen=True)
class DomainEvent:
    """An event as a builder makes it: its type and the `data` of that type."""

    type: EventType
    data: EventData | None

    def envelope(self, conversation_id: str, moment: datetime) -> Envelope:
        body = Envelope(eventType=self.type, conversationId=conversation_id, timestamp=epoch_ms(moment))
        if self.data is not None:
            body["data"] = self.data
        return body


def assignment_of(conversation: Conversation) -> Assignment:
    return {"type": conversation.assignment_type, "id": conversation.assignment_id}


def user_of(conversation: Conversation) -> dict[str, Any]:
    user = conversation.user
    out: dict[str, Any] = {key: user[key] for key in USER_FIELDS if user.get(key) not in (None, "")}
    out.setdefault("language", "en")
    for key in ("ipaddress", "timezoneOffset", "customerId"):
        if key in user:
            out[key] = user[key]
    out["additionalProperties"] = [
        {"key": item["key"], "value": item["value"]} for item in user.get("additionalProperties", [])
    ]
    return out


def conversation_update(conversation: Conversation) -> DomainEvent:
    data = ConversationUpdateData(
        state=conversation.state,
        assignment=assignment_of(conversation),
        user=user_of(conversation),
        channel=conversation.channel.type,
    )
    if conversation.user.get("phone"):
        data["msisdn"] = conversation.user["phone"]
    return DomainEvent("CONVERSATION_UPDATE", data)


def queued(queue: Queue) -> DomainEvent:
    return DomainEvent("QUEUED", QueuedData(queueId=queue.public_id, queueName=queue.name))


def members_changed(
    *, member_type: Literal["user", "agent"], change: Literal["joined", "left"], member_id: str
) -> DomainEvent:
    return DomainEvent(
        "MEMBERS_CHANGED", MembersChangedData(memberType=member_type, change=change, id=member_id)
    )


def transfer() -> DomainEvent:
    """TRANSFER carries no `data`: the events after it tell where the chat went."""
    return DomainEvent("TRANSFER", None)


def attachment_item(attachment: Attachment) -> AttachmentItem:
    return {
        "id": attachment.id,
        "type": attachment.kind,
        "preSignedUrl": presigned_url(attachment.id),
        "fileName": attachment.filename,
    }


def card_item(card: Card) -> CardItem:
    return {"id": card.id, "contentType": card.content_type, "content": card.content}


def message(data: MessageData) -> DomainEvent:
    """MESSAGE, with its data from `message_data`."""
    return DomainEvent("MESSAGE", data)


def message_data(
    message: Message,
    *,
    is_echo: bool,
    attachments: Iterable[Attachment] | None = None,
    cards: Iterable[Card] | None = None,
) -> MessageData:
    """The `data` of a MESSAGE (also how the desk shows creation history)."""
    attachments = message.attachments.all() if attachments is None else attachments
    cards = message.cards.all() if cards is None else cards
    data = MessageData(
        isEcho=is_echo,
        sender={"id": message.author_id, "type": message.author_type},
        text=message.text,
        attachments=[attachment_item(a) for a in attachments],
        cards=[card_item(c) for c in cards],
    )
    if message.external_provider:
        data["externalProvider"] = message.external_provider
    return data


def activity_typing(agent: Agent | None) -> DomainEvent:
    users = [] if agent is None else [{"type": "agent", "id": agent.public_id}]
    return DomainEvent("ACTIVITY", ActivityData(name="typing", value={"users": users}))


def activity_card_action(card: Card, *, action_type: str, inputs: dict[str, Any]) -> DomainEvent:
    if card.content_type == "application/8x8.quick.replies":
        data = ActivityData(name="quickReply/action", value={"type": "postback", "data": inputs})
    else:
        data = ActivityData(name="adaptiveCard/action", value={"type": action_type, "data": inputs})
    return DomainEvent("ACTIVITY", data)
