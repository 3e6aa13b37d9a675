"""What the agent desktop reads: the sign-in list and the full state of one agent's desk.

The desk renders Chat Gateway events: a chat's timeline is the conversation's event outbox
(the very payloads webhooks receive) plus its creation history, so a reloaded or
reconnected desktop rebuilds exactly what a live one saw.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from conversations.attachment_links import presigned_url
from conversations.events import builders
from conversations.events.desk import offer_payload
from conversations.models import (
    Agent,
    Attachment,
    Card,
    Conversation,
    Interaction,
    InteractionStatus,
    Message,
    Offer,
    Participant,
    ParticipantType,
    Queue,
    Tenant,
)
from gateway_sim.wire import epoch_ms
from webhooks.models import Event

# A desk shows the chats an agent left until they are closed; older ones are history.
WRAP_UP_LIMIT = 20


def desk_tenants() -> list[Tenant]:
    """Tenants with their queues and agents (each with its queues), for the sign-in page."""
    agents = Agent.objects.prefetch_related("queues").order_by("name")
    return list(
        Tenant.objects.prefetch_related(Prefetch("agents", queryset=agents), "queues").order_by(
            "created_at", "id"
        )
    )


def desk_agent(tenant_id: str, agent_public_id: str) -> Agent | None:
    return (
        Agent.objects.select_related("tenant").filter(tenant_id=tenant_id, public_id=agent_public_id).first()
    )


def desk_attachment(agent: Agent, conversation_id: str, attachment_id: str) -> Attachment | None:
    """A file the agent may open: sent in a message of a chat the agent took part in (an open
    one, a wrap-up, or one handed on by transfer). An upload no message references yet is not
    shown, as on the API."""
    took_part = Participant.objects.filter(
        conversation_id=conversation_id, conversation__tenant_id=agent.tenant_id, agent=agent
    )
    if not took_part.exists():
        return None
    return Attachment.objects.filter(
        pk=attachment_id, conversation_id=conversation_id, messages__isnull=False
    ).first()


def desk_open_conversation_ids(agent_pk: int) -> list[str]:
    """The chats the agent is handling now, oldest first."""
    return list(
        Interaction.objects.filter(agent_id=agent_pk, status=InteractionStatus.WITH_AGENT)
        .order_by("started_at")
        .values_list("conversation_id", flat=True)
    )


def _ms(moment: datetime | None) -> int | None:
    return epoch_ms(moment) if moment is not None else None


def _fresh_links(event: dict[str, Any]) -> dict[str, Any]:
    """Stored MESSAGE events keep the link they were sent with; a desk needs one that works now."""
    data = event.get("data")
    if event.get("eventType") != "MESSAGE" or not isinstance(data, dict) or not data.get("attachments"):
        return event
    attachments = [{**item, "preSignedUrl": presigned_url(item["id"])} for item in data["attachments"]]
    return {**event, "data": {**data, "attachments": attachments}}


def _is_typing(event: Event) -> bool:
    data = event.payload.get("data")
    return event.type == "ACTIVITY" and isinstance(data, dict) and data.get("name") == "typing"


def _cards_by_chat(conversation_ids: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per chat, per card: whether the user submitted it and what they chose."""
    states: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    cards = (
        Card.objects.filter(message__conversation_id__in=conversation_ids)
        .annotate(conversation_id=F("message__conversation_id"))
        .order_by("created_at")
    )
    for card in cards:
        states[card.conversation_id][card.id] = {
            "actionSubmitted": card.action_submitted,
            "actionExecuted": card.action_executed,
            "submittedValue": card.submitted_value,
        }
    return states


def card_states(conversation_id: str) -> dict[str, dict[str, Any]]:
    """Per card of one chat: whether the user submitted it and what they chose."""
    return _cards_by_chat([conversation_id]).get(conversation_id, {})


# One chat on a desk: the conversation, the agent's participant row, "open" or "wrapup".
DeskEntry = tuple[Conversation, Participant | None, str]


def _chats(entries: list[DeskEntry]) -> list[dict[str, Any]]:
    """The desk's chats, in the order given, in one query per kind of row whatever their number."""
    ids = [conversation.id for conversation, _, _ in entries]
    if not ids:
        return []
    events: dict[str | None, list[Event]] = defaultdict(list)
    for event in Event.objects.filter(conversation_id__in=ids).order_by("conversation_id", "sequence"):
        events[event.conversation_id].append(event)
    history: dict[str, list[Message]] = defaultdict(list)
    for message in Message.objects.filter(conversation_id__in=ids, is_history=True).prefetch_related(
        "attachments", "cards"
    ):
        history[message.conversation_id].append(message)
    read_at = dict(
        Message.objects.filter(
            conversation_id__in=ids, author_type=ParticipantType.AGENT, read_at__isnull=False
        )
        .order_by()
        .values("conversation_id")
        .annotate(latest=Max("read_at"))
        .values_list("conversation_id", "latest")
    )
    cards = _cards_by_chat(ids)
    return [
        _chat(
            conversation,
            participant,
            status=status,
            events=events[conversation.id],
            history=history[conversation.id],
            read_at=read_at.get(conversation.id),
            cards=cards[conversation.id],
        )
        for conversation, participant, status in entries
    ]


def _chat(
    conversation: Conversation,
    participant: Participant | None,
    *,
    status: str,
    events: list[Event],
    history: list[Message],
    read_at: datetime | None,
    cards: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    left_at = participant.left_at if participant is not None and status == "wrapup" else None
    # A wrap-up shows the chat as it was when the agent left it, not what happened afterwards.
    timeline = [
        _fresh_links({"sequence": e.sequence, "eventId": e.event_id, **e.payload})
        for e in events
        if not _is_typing(e) and (left_at is None or e.created_at <= left_at)
    ]
    channel = conversation.channel
    queue = conversation.queue
    return {
        "conversationId": conversation.id,
        "status": status,
        "state": conversation.state,
        "channel": {"id": channel.id, "name": channel.name, "type": channel.type},
        "queue": {"id": queue.public_id, "name": queue.name} if queue else None,
        "user": builders.user_of(conversation),
        "displayName": conversation.display_name,
        "userParticipantId": conversation.user_participant_id,
        "createdAt": _ms(conversation.created_at),
        "joinedAt": _ms(participant.joined_at) if participant else None,
        "leftAt": _ms(left_at),
        "history": [
            {"timestamp": _ms(m.created_at), **builders.message_data(m, is_echo=True)} for m in history
        ],
        "timeline": timeline,
        "lastSequence": events[-1].sequence if events else 0,
        "readAt": _ms(read_at),
        "cards": cards,
    }


def _conversations() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("channel", "queue")


def desk_chat(agent_pk: int, conversation_id: str) -> dict[str, Any] | None:
    """One chat of the agent's desk (open or in wrap-up), or None if it is not on the desk."""
    participant = (
        Participant.objects.filter(
            conversation_id=conversation_id, type=ParticipantType.AGENT, agent_id=agent_pk
        )
        .select_related("conversation")
        .first()
    )
    if participant is None:
        return None
    conversation = _conversations().get(pk=conversation_id)
    if not participant.removed and conversation.agent_id == agent_pk:
        status = "open"
    elif participant.removed and _in_wrap_up(participant):
        status = "wrapup"
    else:
        return None
    [chat] = _chats([(conversation, participant, status)])
    return chat


def _in_wrap_up(participant: Participant) -> bool:
    return participant.wrapped_up_at is None or (
        participant.left_at is not None and participant.left_at > participant.wrapped_up_at
    )


def desk_snapshot(agent_pk: int) -> dict[str, Any]:
    """Everything an agent's desktop shows, as of now. Sent on connect and on resync."""
    agent = Agent.objects.select_related("tenant").prefetch_related("queues").get(pk=agent_pk)
    open_ids = desk_open_conversation_ids(agent.pk)
    participants = {
        p.conversation_id: p
        for p in Participant.objects.filter(
            type=ParticipantType.AGENT, agent=agent, conversation_id__in=open_ids
        )
    }
    wrap_ups = (
        Participant.objects.filter(type=ParticipantType.AGENT, agent=agent, removed=True)
        .filter(Q(wrapped_up_at__isnull=True) | Q(left_at__gt=F("wrapped_up_at")))
        .exclude(conversation_id__in=open_ids)
        .order_by("-left_at")[:WRAP_UP_LIMIT]
    )
    conversations = _conversations().in_bulk([*open_ids, *(p.conversation_id for p in wrap_ups)])
    entries: list[DeskEntry] = [
        (conversations[cid], participants.get(cid), "open") for cid in open_ids if cid in conversations
    ]
    entries += [(conversations[p.conversation_id], p, "wrapup") for p in reversed(list(wrap_ups))]
    offers = (
        Offer.objects.pending()
        .filter(agent=agent)
        .select_related("interaction__conversation", "interaction__queue", "agent")
        .order_by("created_at")
    )
    tenant = agent.tenant
    return {
        "serverTime": _ms(timezone.now()),
        "offerTimeoutSeconds": settings.SANDBOX_OFFER_TIMEOUT_SECONDS,
        "tenant": {"id": tenant.id, "name": tenant.name},
        "agent": {
            "id": agent.public_id,
            "name": agent.name,
            "status": agent.status,
            "languages": agent.languages,
            "capacity": agent.capacity,
            "queues": [{"id": q.public_id, "name": q.name} for q in agent.queues.all()],
        },
        "queues": [{"id": q.public_id, "name": q.name} for q in Queue.objects.filter(tenant=tenant)],
        "directory": dict(Agent.objects.filter(tenant=tenant).values_list("public_id", "name")),
        "offers": [offer_payload(offer) for offer in offers],
        "chats": _chats(entries),
    }
