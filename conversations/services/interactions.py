"""A conversation's interactions: the open one, starting one, the agent handling it."""

from datetime import datetime

from conversations.models import Agent, Conversation, Interaction, InteractionStatus
from gateway_sim.domain_errors import InvalidTransition
from gateway_sim.ids import new_id


def open_interaction(conversation: Conversation) -> Interaction | None:
    return conversation.interactions.open().select_for_update().first()


def interaction_start(conversation: Conversation, *, status: str, moment: datetime) -> Interaction:
    stamp = format(int(moment.timestamp() * 1000), "x")
    return Interaction.objects.create(
        id=f"int-{stamp}-{new_id()}-chat-00-{conversation.tenant_id}",
        conversation=conversation,
        status=status,
        started_at=moment,
    )


def agent_handling_required(conversation: Conversation, agent: Agent) -> Interaction:
    """The conversation's open interaction, which `agent` must be handling."""
    interaction = open_interaction(conversation)
    if (
        interaction is None
        or interaction.status != InteractionStatus.WITH_AGENT
        or interaction.agent_id != agent.pk
    ):
        raise InvalidTransition(
            f"Agent {agent.public_id} is not handling conversation {conversation.id}.",
            code="agent_not_in_conversation",
        )
    return interaction
