"""The agent's actions from the desktop: each resolves its ids in the agent's tenant and calls one service.

The WebSocket consumer runs these through `database_sync_to_async`; they hold no rules of
their own, so the desktop, the API and the simulator can never disagree.
"""

from conversations.models import Agent, AgentStatus, Conversation
from conversations.services.activity import agent_typing
from conversations.services.agents import agent_chat_close, agent_set_status
from conversations.services.lifecycle import conversation_end_by_agent, conversation_transfer
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept, offer_reject
from gateway_sim.domain_errors import InvalidReference, NotFound

# What an agent may pick on the desktop; `busy` is set by the platform, not chosen.
DESK_STATUSES = (AgentStatus.AVAILABLE, AgentStatus.AWAY, AgentStatus.OFFLINE)


def _agent(agent_pk: int) -> Agent:
    return Agent.objects.get(pk=agent_pk)


def _conversation(agent: Agent, conversation_id: str) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id.strip(), tenant_id=agent.tenant_id).first()
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    return conversation


def set_status(agent_pk: int, status: str) -> None:
    if status not in DESK_STATUSES:
        raise InvalidReference(
            f"Invalid status={status}, has to be one of {', '.join(DESK_STATUSES)}", field="status"
        )
    agent_set_status(agent=_agent(agent_pk), status=AgentStatus(status))


def accept(agent_pk: int, offer_id: str) -> None:
    offer_accept(offer_id=offer_id, agent=_agent(agent_pk))


def reject(agent_pk: int, offer_id: str) -> None:
    offer_reject(offer_id=offer_id, agent=_agent(agent_pk))


def send(agent_pk: int, conversation_id: str, text: str, attachment_ids: list[str]) -> str:
    """Posts the agent's message; returns its id."""
    agent = _agent(agent_pk)
    message = agent_message_send(
        conversation=_conversation(agent, conversation_id),
        agent=agent,
        text=text,
        attachment_ids=attachment_ids,
    )
    return message.id


def typing(agent_pk: int, conversation_id: str, is_typing: bool) -> None:
    agent = _agent(agent_pk)
    agent_typing(conversation=_conversation(agent, conversation_id), agent=agent, typing=is_typing)


def transfer(agent_pk: int, conversation_id: str, queue_id: str) -> None:
    agent = _agent(agent_pk)
    conversation_transfer(conversation=_conversation(agent, conversation_id), agent=agent, queue_id=queue_id)


def end(agent_pk: int, conversation_id: str) -> None:
    agent = _agent(agent_pk)
    conversation_end_by_agent(conversation=_conversation(agent, conversation_id), agent=agent)


def close(agent_pk: int, conversation_id: str) -> None:
    agent_chat_close(agent=_agent(agent_pk), conversation_id=conversation_id)
