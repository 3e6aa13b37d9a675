"""What autopilot agents do when their timers come due: answer an offer, reply, and then
transfer or end the chat. Each handler calls the desk's own services.

A handler does nothing when the chat has moved on since the timer was set (the offer was
taken or withdrawn, the agent left, autopilot was switched off so a person could take over).
"""

from conversations.models import (
    Agent,
    Conversation,
    InteractionStatus,
    Message,
    Offer,
    OfferStatus,
    ParticipantType,
)
from conversations.services.activity import agent_typing
from conversations.services.agents import agent_chat_close
from conversations.services.autopilot import (
    TYPING_SHOWN,
    AutopilotConfig,
    autopilot_effective,
    autopilot_joined_at,
    messages_since,
)
from conversations.services.lifecycle import conversation_end_by_agent, conversation_transfer
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept, offer_reject


def _offer_still_for_autopilot(offer_id: str, action: str) -> Offer | None:
    offer = Offer.objects.select_related("agent", "interaction").filter(pk=offer_id).first()
    if offer is None or offer.status != OfferStatus.PENDING:
        return None
    config = autopilot_effective(agent=offer.agent, queue_id=offer.interaction.queue_id)
    if config is None or config.accept != action:
        return None
    return offer


def autopilot_offer_accept(offer_id: str) -> None:
    offer = _offer_still_for_autopilot(offer_id, "accept")
    if offer is not None:
        offer_accept(offer_id=offer.id, agent=offer.agent)


def autopilot_offer_reject(offer_id: str) -> None:
    offer = _offer_still_for_autopilot(offer_id, "reject")
    if offer is not None:
        offer_reject(offer_id=offer.id, agent=offer.agent)


def autopilot_reply(ref: str) -> None:
    """Answer the user message `ref` names (`<message id>:<agent pk>:<typing shown>`), then
    transfer or end the chat when this was the agent's K-th or M-th reply since it took it.

    When one reply reaches both counts, the chat ends. Typing shown when the reply was
    scheduled is stopped even when autopilot was switched off meanwhile, so the user is not
    left watching an agent type forever.
    """
    message_id, agent_pk, shown = ref.split(":")
    message = Message.objects.select_related("conversation", "interaction").filter(pk=message_id).first()
    agent = Agent.objects.filter(pk=int(agent_pk)).first()
    if message is None or agent is None or message.interaction is None:
        return
    conversation = message.conversation
    interaction = message.interaction
    interaction.refresh_from_db()
    if interaction.status != InteractionStatus.WITH_AGENT or interaction.agent_id != agent.pk:
        return
    if shown == TYPING_SHOWN:
        agent_typing(conversation=conversation, agent=agent, typing=False)
    config = autopilot_effective(agent=agent, queue_id=interaction.queue_id)
    joined_at = autopilot_joined_at(interaction, agent)
    if config is None or joined_at is None:
        return
    replied = messages_since(interaction, joined_at, author_type=ParticipantType.AGENT)
    text = config.reply_text(message.text, reply_index=replied)
    if text is None:
        return
    agent_message_send(conversation=conversation, agent=agent, text=text)
    _after_reply(config, conversation=conversation, agent=agent, replies=replied + 1)


def _after_reply(config: AutopilotConfig, *, conversation: Conversation, agent: Agent, replies: int) -> None:
    if config.end_after is not None and replies >= config.end_after:
        conversation_end_by_agent(conversation=conversation, agent=agent)
        agent_chat_close(agent=agent, conversation_id=conversation.pk)
    elif config.transfer_after is not None and config.transfer_queue_id and replies >= config.transfer_after:
        conversation_transfer(conversation=conversation, agent=agent, queue_id=config.transfer_queue_id)
