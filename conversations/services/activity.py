"""Activity around messages: the agent typing (an event), the integration's typing and
thinking, and read receipts (shown on the agent's desktop only)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.events import builders, desk
from conversations.events.outbox import event_record
from conversations.models import Agent, Conversation, ConversationState, Message, ParticipantType
from conversations.services.locking import conversation_lock
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import InvalidReference, InvalidTransition


@retry_on_conflict
def agent_typing(*, conversation: Conversation, agent: Agent, typing: bool) -> None:
    """ACTIVITY typing with the agent in `users` (started) or empty `users` (stopped)."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if conversation.agent_id != agent.pk:
            raise InvalidTransition(
                f"Agent {agent.public_id} is not handling conversation {conversation.id}.",
                code="agent_not_in_conversation",
            )
        event_record(
            conversation=conversation,
            event=builders.activity_typing(agent if typing else None),
            moment=moment,
        )


def _require_open(conversation: Conversation) -> None:
    if conversation.state == ConversationState.IDLE:
        raise InvalidReference(
            f"Conversation {conversation.id} is idle.", code="invalid_parameter", field="conversationId"
        )


def integration_typing(*, conversation: Conversation, author_type: str) -> None:
    """The user or bot is typing: shown on the agent's desktop (no webhook event)."""
    _require_open(conversation)
    with transaction.atomic():
        desk.push_typing(conversation, author_type=author_type)


def integration_thinking(*, conversation: Conversation, max_seconds: int) -> None:
    """The bot is thinking (up to `max_seconds`): shown on the agent's desktop."""
    _require_open(conversation)
    with transaction.atomic():
        desk.push_thinking(conversation, max_seconds=max_seconds)


def read_receipt_record(*, conversation: Conversation, author_type: str, read_at: datetime) -> int:
    """Marks the agent's messages up to `read_at` as read. Returns how many were newly read.

    8x8 accepts user read receipts only on ChatAPI channels; bots may send them anywhere.
    """
    if author_type == ParticipantType.USER and conversation.channel.type != "ChatAPI":
        raise InvalidReference(
            f"Read receipts with authorType=user are only accepted on ChatAPI channels, "
            f"not on {conversation.channel.type}.",
            code="invalid_parameter",
            field="authorType",
        )
    with transaction.atomic():
        marked = Message.objects.filter(
            conversation=conversation,
            author_type=ParticipantType.AGENT,
            created_at__lte=read_at,
            read_at__isnull=True,
        ).update(read_at=read_at)
        desk.push_read(conversation, author_type=author_type, read_at=read_at)
        return marked
