"""A conversation's whole record as one JSON document, and the ids it names by kind.

The document spans both apps (the conversation, its events and their deliveries), so it is
built here rather than in either of them. `Transcript.ids` tells the normaliser
(`gateway_sim.control.snapshot`) which strings are ids, and of what kind.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from conversations.api.gateway.base import iso_timestamp
from conversations.events.cursor import events_sequence
from conversations.models import (
    Attachment,
    Card,
    Conversation,
    Interaction,
    Message,
    Participant,
)
from gateway_sim.control.delivery_log import delivery_detail_json
from gateway_sim.domain_errors import NotFound
from webhooks.models import Delivery, Event
from webhooks.selectors import attempts_of


@dataclass
class Transcript:
    document: dict[str, Any]
    # Every id the document names, with its kind ("conversation", "message" …).
    ids: dict[str, str] = field(default_factory=dict)


def conversations_of(tenant_id: str, *, state: str = "") -> QuerySet[Conversation]:
    """The tenant's conversations (Gateway and legacy v2), newest first."""
    rows = Conversation.objects.filter(tenant_id=tenant_id).select_related("channel")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-id")


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "state": conversation.state,
        "api": conversation.api,
        "channelId": conversation.channel_id,
        "channel": conversation.channel.type,
        "userName": conversation.user.get("name", ""),
        "createdAt": iso_timestamp(conversation.created_at),
    }


def transcript_of(*, tenant_id: str, conversation_id: str) -> Transcript:
    conversation = (
        Conversation.objects.filter(tenant_id=tenant_id, pk=conversation_id.strip())
        .select_related("channel", "queue", "agent", "tenant")
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    # Events committed but not yet given their cursor get it now, so the document shows it.
    events_sequence(tenant_id)
    participants = list(Participant.objects.filter(conversation=conversation).order_by("joined_at", "id"))
    interactions = list(
        Interaction.objects.filter(conversation=conversation)
        .select_related("queue", "agent")
        .order_by("started_at", "id")
    )
    messages = list(
        Message.objects.filter(conversation=conversation)
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
            Prefetch("cards", queryset=Card.objects.order_by("position", "id")),
        )
        .order_by("seq")
    )
    events = list(Event.objects.filter(conversation=conversation).order_by("sequence", "id"))
    deliveries = list(
        Delivery.objects.filter(event__conversation=conversation)
        .select_related("event")
        .order_by("event_id", "created_at", "id")
    )
    attempts = attempts_of(deliveries)
    transcript = Transcript(
        document={
            "conversation": _conversation_json(conversation),
            "participants": [_participant_json(p) for p in participants],
            "interactions": [_interaction_json(i) for i in interactions],
            "messages": [_message_json(m) for m in messages],
            "events": [_event_json(e) for e in events],
            "deliveries": [delivery_detail_json(d, attempts[d.pk]) for d in deliveries],
        }
    )
    _name_ids(transcript, conversation, participants, interactions, messages, events, deliveries)
    return transcript


def _name_ids(
    transcript: Transcript,
    conversation: Conversation,
    participants: list[Participant],
    interactions: list[Interaction],
    messages: list[Message],
    events: list[Event],
    deliveries: list[Delivery],
) -> None:
    ids = transcript.ids
    ids[conversation.tenant_id] = "tenant"
    ids[conversation.tenant.customer_id] = "customer"
    ids[conversation.id] = "conversation"
    ids[conversation.channel_id] = "channel"
    # An agent's participant id is its public id; a participant is named as one either way.
    for participant in participants:
        ids[participant.participant_id] = "participant"
    ids.setdefault(conversation.user_participant_id, "participant")
    for interaction in interactions:
        ids[interaction.id] = "interaction"
        if interaction.queue is not None:
            ids.setdefault(interaction.queue.public_id, "queue")
        if interaction.agent is not None:
            ids.setdefault(interaction.agent.public_id, "participant")
    if conversation.queue is not None:
        ids.setdefault(conversation.queue.public_id, "queue")
    for message in messages:
        ids[message.id] = "message"
        for attachment in message.attachments.all():
            ids[attachment.id] = "attachment"
        for card in message.cards.all():
            ids[card.id] = "card"
    for event in events:
        ids[event.event_id] = "event"
    for delivery in deliveries:
        ids[delivery.id] = "delivery"
        if delivery.webhook_id:
            ids[delivery.webhook_id] = "webhook"


def _conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "api": conversation.api,
        "state": conversation.state,
        "assignment": {"type": conversation.assignment_type, "id": conversation.assignment_id},
        "user": conversation.user,
        "userParticipantId": conversation.user_participant_id,
        "channel": {
            "id": conversation.channel_id,
            "name": conversation.channel.name,
            "type": conversation.channel.type,
        },
        "queueId": conversation.queue.public_id if conversation.queue else None,
        "agentId": conversation.agent.public_id if conversation.agent else None,
        "createdAt": iso_timestamp(conversation.created_at),
        "updatedAt": iso_timestamp(conversation.updated_at),
    }


def _optional_time(moment: Any) -> str | None:
    return iso_timestamp(moment) if moment is not None else None


def _participant_json(participant: Participant) -> dict[str, Any]:
    return {
        "participantId": participant.participant_id,
        "type": participant.type,
        "language": participant.language,
        "removed": participant.removed,
        "joinedAt": iso_timestamp(participant.joined_at),
        "leftAt": _optional_time(participant.left_at),
    }


def _interaction_json(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "status": interaction.status,
        "queueId": interaction.queue.public_id if interaction.queue else None,
        "agentId": interaction.agent.public_id if interaction.agent else None,
        "startedAt": iso_timestamp(interaction.started_at),
        "queuedAt": _optional_time(interaction.queued_at),
        "endedAt": _optional_time(interaction.ended_at),
    }


def _message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "seq": message.seq,
        "interactionId": message.interaction_id,
        "authorType": message.author_type,
        "authorId": message.author_id,
        "authorName": message.author_name,
        "text": message.text,
        "isHistory": message.is_history,
        "createdAt": iso_timestamp(message.created_at),
        "readAt": _optional_time(message.read_at),
        "attachments": [
            {
                "id": attachment.id,
                "fileName": attachment.filename,
                "contentType": attachment.content_type,
                "sizeInBytes": attachment.size_in_bytes,
                "createdAt": iso_timestamp(attachment.created_at),
            }
            for attachment in message.attachments.all()
        ],
        "cards": [
            {
                "id": card.id,
                "contentType": card.content_type,
                "content": card.content,
                "actionSubmitted": card.action_submitted,
                "submittedValue": card.submitted_value,
            }
            for card in message.cards.all()
        ],
    }


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "cursor": event.cursor,
        "sequence": event.sequence,
        "eventId": event.event_id,
        "eventType": event.type,
        "createdAt": iso_timestamp(event.created_at),
        "payload": event.payload,
    }
