"""One builder per Chat Gateway event type: pure functions of model state.

They produce the `data` of each event (and the envelope around it). The outbox stores what
they return, webhook deliveries serialise it, and desktop broadcasts carry the same dicts,
so the integration and the agent's browser always see the same facts.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from conversations.attachment_links import presigned_url
from conversations.models import Agent, Attachment, Card, Conversation, Message, Queue
from webhooks.models import WebhookVersion

USER_FIELDS = ("name", "userId", "email", "phone", "company", "caseId", "language")


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def envelope(event_type: str, conversation_id: str, moment: datetime, data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventType": event_type,
        "conversationId": conversation_id,
        "timestamp": epoch_ms(moment),
    }
    if data is not None:
        body["data"] = data
    return body


def assignment_of(conversation: Conversation) -> dict[str, str]:
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


def conversation_update(conversation: Conversation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "state": conversation.state,
        "assignment": assignment_of(conversation),
        "user": user_of(conversation),
        "channel": conversation.channel.type,
    }
    if conversation.user.get("phone"):
        data["msisdn"] = conversation.user["phone"]
    return data


def queued(queue: Queue) -> dict[str, Any]:
    return {"queueId": queue.public_id, "queueName": queue.name}


def members_changed(*, member_type: str, change: str, member_id: str) -> dict[str, Any]:
    return {"memberType": member_type, "change": change, "id": member_id}


def attachment_item(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "type": attachment.kind,
        "preSignedUrl": presigned_url(attachment.id),
        "fileName": attachment.filename,
    }


def card_item(card: Card) -> dict[str, Any]:
    return {"id": card.id, "contentType": card.content_type, "content": card.content}


def message(
    message: Message,
    *,
    is_echo: bool,
    attachments: Iterable[Attachment] | None = None,
    cards: Iterable[Card] | None = None,
) -> dict[str, Any]:
    """MESSAGE data. Pass `attachments`/`cards` when they are at hand to spare the queries."""
    attachments = message.attachments.all() if attachments is None else attachments
    cards = message.cards.all() if cards is None else cards
    data: dict[str, Any] = {
        "isEcho": is_echo,
        "sender": {"id": message.author_id, "type": message.author_type},
        "text": message.text,
        "attachments": [attachment_item(a) for a in attachments],
        "cards": [card_item(c) for c in cards],
    }
    if message.external_provider:
        data["externalProvider"] = message.external_provider
    return data


def activity_typing(agent: Agent | None) -> dict[str, Any]:
    users = [] if agent is None else [{"type": "agent", "id": agent.public_id}]
    return {"name": "typing", "value": {"users": users}}


def activity_card_action(card: Card, *, action_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if card.content_type == "application/8x8.quick.replies":
        return {
            "name": "quickReply/action",
            "value": {"type": "postback", "data": inputs},
        }
    return {"name": "adaptiveCard/action", "value": {"type": action_type, "data": inputs}}


def web_hook_verify(version: str) -> dict[str, Any]:
    notification_version = "v2.0" if version == WebhookVersion.LEGACY_V1 else version
    return {"notificationVersion": notification_version, "eventType": "WEB_HOOK_VERIFY"}
