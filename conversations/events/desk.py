"""Every push to the agent desktop, sent on the channel layer once the transaction commits.

A push is `{"type": "desk.push", "kind": …, "payload": …}` to the channel-layer groups of
the agents, conversations or tenants it concerns (`conversations.groups`). The kinds:

- `event`: a Chat Gateway event of a conversation, the very envelope webhooks receive;
- `offer.new`, `offer.accepted`, `offer.rejected`, `offer.expired`, `offer.withdrawn`;
- `agent.status`, `chat.closed`;
- `activity.typing`, `activity.thinking`, `activity.read`: the integration's side of a
  chat, which 8x8 shows the agent and never sends to webhooks.

Besides pushes, `desk.reload` tells an agent's open desks to send themselves a fresh snapshot
(after a tenant reset has removed what they show).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, NotRequired, TypedDict

from conversations.events.builders import Envelope, EventData, EventType
from conversations.groups import agent_group, conversation_group, tenant_group
from conversations.models import Agent, Conversation, Offer
from gateway_sim.bell import bell_group
from gateway_sim.broadcast import broadcast_on_commit, group_send_on_commit

OfferKind = Literal["offer.new", "offer.accepted", "offer.rejected", "offer.expired", "offer.withdrawn"]


class EventPush(TypedDict):
    sequence: int
    eventId: str
    eventType: EventType
    conversationId: str
    timestamp: int
    data: NotRequired[EventData]
    # On CONVERSATION_UPDATE: desks rename the chat (webhook bodies stay 8x8's).
    displayName: NotRequired[str]


class OfferPush(TypedDict):
    offerId: str
    conversationId: str
    agentId: str
    status: str
    queueId: str | None
    queueName: str | None
    displayName: str
    language: str
    expiresAt: str


class AgentStatusPush(TypedDict):
    agentId: str
    status: str


class ChatClosedPush(TypedDict):
    conversationId: str
    agentId: str


class TypingPush(TypedDict):
    conversationId: str
    authorType: str


class ThinkingPush(TypedDict):
    conversationId: str
    authorType: Literal["bot"]
    maxThinkingTimeSeconds: int


class ReadPush(TypedDict):
    conversationId: str
    authorType: str
    readAt: str


def push_event(conversation: Conversation, *, sequence: int, event_id: str, envelope: Envelope) -> None:
    push = EventPush(
        sequence=sequence,
        eventId=event_id,
        eventType=envelope["eventType"],
        conversationId=envelope["conversationId"],
        timestamp=envelope["timestamp"],
    )
    if "data" in envelope:
        push["data"] = envelope["data"]
    if envelope["eventType"] == "CONVERSATION_UPDATE":
        push["displayName"] = conversation.display_name
    # The tenant's bell rides along, first: control API waits look again (gateway_sim.bell).
    groups = [bell_group(conversation.tenant_id), conversation_group(conversation.id)]
    broadcast_on_commit([*groups, tenant_group(conversation.tenant_id)], "event", push)


def offer_payload(offer: Offer) -> OfferPush:
    """What the desktop is told about an offer (pushes and the desk's state snapshot)."""
    interaction = offer.interaction
    conversation = interaction.conversation
    return OfferPush(
        offerId=offer.id,
        conversationId=conversation.id,
        agentId=offer.agent.public_id,
        status=offer.status,
        queueId=interaction.queue.public_id if interaction.queue else None,
        queueName=interaction.queue.name if interaction.queue else None,
        displayName=conversation.display_name,
        language=conversation.language,
        expiresAt=offer.expires_at.isoformat(),
    )


def push_offer(offer: Offer, kind: OfferKind) -> None:
    """To the agent the offer names and to the tenant's desks."""
    groups = [agent_group(offer.agent_id), tenant_group(offer.interaction.conversation.tenant_id)]
    broadcast_on_commit(groups, kind, offer_payload(offer))


def push_offer_taken(offer: Offer, *, offered_to: int) -> None:
    """The agent an offer was made to learns that another agent picked the chat."""
    broadcast_on_commit([agent_group(offered_to)], "offer.accepted", offer_payload(offer))


def push_agent_status(agent: Agent) -> None:
    payload = AgentStatusPush(agentId=agent.public_id, status=agent.status)
    broadcast_on_commit([agent_group(agent.pk), tenant_group(agent.tenant_id)], "agent.status", payload)


def push_agent_new(agent: Agent) -> None:
    """A new agent shows on the tenant's desks (no desk of its own is open yet)."""
    payload = AgentStatusPush(agentId=agent.public_id, status=agent.status)
    broadcast_on_commit([tenant_group(agent.tenant_id)], "agent.status", payload)


def push_chat_closed(agent: Agent, conversation_id: str) -> None:
    """Every open desktop of the agent is told, so several tabs agree."""
    payload = ChatClosedPush(conversationId=conversation_id, agentId=agent.public_id)
    broadcast_on_commit([agent_group(agent.pk)], "chat.closed", payload)


def push_typing(conversation: Conversation, *, author_type: str) -> None:
    payload = TypingPush(conversationId=conversation.id, authorType=author_type)
    broadcast_on_commit([conversation_group(conversation.id)], "activity.typing", payload)


def push_thinking(conversation: Conversation, *, max_seconds: int) -> None:
    payload = ThinkingPush(
        conversationId=conversation.id, authorType="bot", maxThinkingTimeSeconds=max_seconds
    )
    broadcast_on_commit([conversation_group(conversation.id)], "activity.thinking", payload)


def push_read(conversation: Conversation, *, author_type: str, read_at: datetime) -> None:
    payload = ReadPush(conversationId=conversation.id, authorType=author_type, readAt=read_at.isoformat())
    broadcast_on_commit([conversation_group(conversation.id)], "activity.read", payload)


def push_desks_reload(agent_pks: Iterable[int]) -> None:
    """Every open desk of these agents reloads its whole state from the database."""
    groups = [agent_group(pk) for pk in agent_pks]
    if groups:
        group_send_on_commit(groups, {"type": "desk.reload"})
