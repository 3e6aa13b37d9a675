"""Messages posted by the integration and sent by agents, and the workflow each one starts."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.events.outbox import event_record
from conversations.models import (
    Agent,
    AssignmentType,
    Conversation,
    ConversationState,
    Message,
    ParticipantType,
)
from conversations.services.autopilot import autopilot_user_message
from conversations.services.interactions import agent_handling_required
from conversations.services.lifecycle import conversation_reopen
from conversations.services.locking import conversation_lock
from conversations.services.message_store import attachments_of, message_store
from conversations.services.participants import participant_join
from conversations.services.post_agent import bot_participant_id, post_agent_user_timer_restart
from conversations.services.scripts import script_handle_choice
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import InvalidReference, InvalidTransition


@retry_on_conflict
def message_post(
    *,
    conversation: Conversation,
    author_type: str,
    text: str = "",
    attachments: list[dict[str, Any]] | None = None,
    cards: list[dict[str, Any]] | None = None,
    external_provider: dict[str, Any] | None = None,
) -> Message:
    """The integration posts a user or bot message.

    Events: MESSAGE with `isEcho: true`. A user message to an idle conversation then
    re-opens it (CONVERSATION_UPDATE active, QUEUED); to a script it drives the menu.
    """
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if author_type not in (ParticipantType.USER, ParticipantType.BOT):
            raise InvalidReference(
                f"Invalid authorType={author_type}, has to be one of user, bot",
                code="invalid_json_object",
                field="authorType",
            )
        author_id = (
            conversation.user_participant_id
            if author_type == ParticipantType.USER
            else bot_participant_id(conversation)
        )
        last_spoke = "last_user_message_at" if author_type == ParticipantType.USER else "last_bot_message_at"
        stored = message_store(
            conversation,
            author_type=author_type,
            author_id=author_id,
            text=text,
            attachments=attachments_of(conversation, attachments or []),
            cards=cards or [],
            external_provider=external_provider,
            moment=moment,
            conversation_updates={last_spoke: moment},
        )
        if author_type == ParticipantType.BOT:
            participant_join(conversation, kind=ParticipantType.BOT, participant_id=author_id, moment=moment)
        event_record(
            conversation=conversation,
            event=stored.event(is_echo=True),
            moment=moment,
        )
        if author_type == ParticipantType.USER:
            if conversation.state == ConversationState.IDLE:
                conversation_reopen(conversation, moment=moment)
            elif conversation.assignment_type == AssignmentType.SCRIPT:
                script_handle_choice(conversation, text, moment=moment)
            elif conversation.agent_id is not None:
                autopilot_user_message(conversation=conversation, message=stored.message)
        else:
            post_agent_user_timer_restart(conversation, moment=moment)
        return stored.message


@retry_on_conflict
def agent_message_send(
    *,
    conversation: Conversation,
    agent: Agent,
    text: str = "",
    attachment_ids: Iterable[str] = (),
    cards: Iterable[dict[str, Any]] = (),
) -> Message:
    """The agent sends a message: MESSAGE with `isEcho: false`, sender the agent."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if conversation.state == ConversationState.IDLE:
            raise InvalidTransition(
                f"Conversation {conversation.id} is idle; agents cannot post to it.",
                code="conversation_idle",
            )
        agent_handling_required(conversation, agent)
        files = attachments_of(conversation, [{"id": i} for i in attachment_ids])
        if not text.strip() and not files and not cards:
            raise InvalidReference("A message needs text, a file or a card.", field="text")
        stored = message_store(
            conversation,
            author_type=ParticipantType.AGENT,
            author_id=agent.public_id,
            author_name=agent.name,
            text=text,
            attachments=files,
            cards=cards,
            moment=moment,
        )
        event_record(
            conversation=conversation,
            event=stored.event(is_echo=False),
            moment=moment,
        )
        return stored.message
