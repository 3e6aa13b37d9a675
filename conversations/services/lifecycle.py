"""The conversation lifecycle: create, reassign, transfer, end, leave, and the end of a
post-agent hand-back when its timers run out."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.events import builders
from conversations.events.outbox import event_record
from conversations.models import (
    Agent,
    ApiFlavour,
    AssignmentType,
    Channel,
    Conversation,
    ConversationState,
    Interaction,
    InteractionStatus,
    ParticipantType,
    PostAgentAssignment,
    Queue,
    Script,
    Tenant,
)
from conversations.services.channels import channel_resolve
from conversations.services.interactions import agent_handling_required, interaction_start, open_interaction
from conversations.services.locking import conversation_lock
from conversations.services.message_store import history_store
from conversations.services.participants import participant_join, participant_leave
from conversations.services.post_agent import post_agent_finish, post_agent_start
from conversations.services.queues import queue_resolve
from conversations.services.routing import offers_withdraw, queue_into, routing_dispatch
from conversations.services.scripts import script_resolve, script_start
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import InvalidReference, InvalidTransition
from gateway_sim.ids import new_id


@retry_on_conflict
def conversation_create(
    *,
    tenant: Tenant,
    channel_id: str,
    user: dict[str, Any],
    assignment: dict[str, str] | None = None,
    history: list[dict[str, Any]] | None = None,
    api: ApiFlavour = ApiFlavour.GATEWAY,
    legacy_customer: dict[str, Any] | None = None,
) -> Conversation:
    """Create a conversation and start its first interaction.

    Events: CONVERSATION_UPDATE `created`, CONVERSATION_UPDATE `active`, then QUEUED (queue
    assignment) or the script's greeting (script assignment). History messages are stored
    and emit nothing.
    """
    moment = timezone.now()
    with transaction.atomic():
        channel = channel_resolve(tenant, channel_id, api=api)
        kind, target_id = _assignment_target(channel, assignment)
        target: Queue | Script = (
            script_resolve(tenant, target_id)
            if kind == AssignmentType.SCRIPT
            else queue_resolve(tenant, target_id)
        )
        conversation = Conversation.objects.create(
            tenant=tenant,
            channel=channel,
            api=api,
            state=ConversationState.CREATED,
            user=user,
            legacy_customer=legacy_customer or {},
            user_participant_id=str(user.get("userId") or f"user-{new_id()}"),
            created_at=moment,
            updated_at=moment,
        )
        conversation.assign(AssignmentType(kind), target_id)
        conversation.save(update_fields=["assignment_type", "assignment_id"])
        participant_join(
            conversation,
            kind=ParticipantType.USER,
            participant_id=conversation.user_participant_id,
            moment=moment,
        )
        if history:
            history_store(conversation, history, moment=moment)
        event_record(
            conversation=conversation,
            event=builders.conversation_update(conversation),
            moment=moment,
        )
        _activate(conversation, target, moment=moment)
        return conversation


def _assignment_target(channel: Channel, assignment: dict[str, str] | None) -> tuple[str, str]:
    if not assignment or not assignment.get("id"):
        kind = (assignment or {}).get("type") or AssignmentType.QUEUE
        if kind == AssignmentType.SCRIPT:
            raise InvalidReference(
                "assignment.id is required: a script assignment names the script.",
                code="invalid_parameter",
                field="assignment.id",
            )
        if kind != AssignmentType.QUEUE or channel.routing_queue is None:
            raise InvalidReference(
                "assignment.id is required: the channel has no routing queue.",
                code="invalid_parameter",
                field="assignment.id",
            )
        return AssignmentType.QUEUE, channel.routing_queue.public_id
    kind = assignment.get("type") or AssignmentType.QUEUE
    if kind not in (AssignmentType.QUEUE, AssignmentType.SCRIPT):
        raise InvalidReference(
            f"Invalid assignment.type={kind}, has to be one of queue, script",
            code="invalid_assignment",
            field="assignment.type",
        )
    return kind, assignment["id"].strip()


def _activate(conversation: Conversation, target: Queue | Script, *, moment: datetime) -> Interaction:
    """created/idle -> active: a new interaction, then the script's greeting or the queue."""
    if isinstance(target, Script):
        interaction = interaction_start(conversation, status=InteractionStatus.SCRIPT, moment=moment)
        script_start(conversation, target, moment=moment)
        return interaction
    interaction = interaction_start(conversation, status=InteractionStatus.QUEUED, moment=moment)
    queue_into(conversation, interaction, target, moment=moment)
    return interaction


def conversation_reopen(conversation: Conversation, *, moment: datetime) -> None:
    """idle -> active on a user message: new interaction queued in the last queue used."""
    target = conversation.queue or conversation.channel.routing_queue or conversation.script
    if target is None:
        raise InvalidTransition("The conversation has no queue to re-open into.")
    participant_join(
        conversation,
        kind=ParticipantType.USER,
        participant_id=conversation.user_participant_id,
        moment=moment,
    )
    _activate(conversation, target, moment=moment)


@retry_on_conflict
def conversation_update(
    *,
    conversation: Conversation,
    user: dict[str, Any] | None = None,
    assignment: dict[str, str] | None = None,
    channel_id: str | None = None,
) -> Conversation:
    """PUT / PATCH: new user data and/or a new routing target.

    A user-data change emits CONVERSATION_UPDATE. A new queue moves the chat there
    (CONVERSATION_UPDATE, QUEUED); if an agent has it, the agent leaves first; an idle
    conversation is re-opened into the new queue.
    """
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if channel_id is not None and channel_id.strip() != conversation.channel_id:
            conversation.channel = channel_resolve(conversation.tenant, channel_id, api=conversation.api)
            conversation.save(update_fields=["channel"])
        if user is not None:
            conversation.user = user
            conversation.touch("user")
        target: Queue | Script | None = None
        if assignment is not None:
            kind, target_id = _assignment_target(conversation.channel, assignment)
            if kind == AssignmentType.SCRIPT:
                target = script_resolve(conversation.tenant, target_id)
            else:
                target = queue_resolve(conversation.tenant, target_id)
            unchanged = conversation.assignment_type == kind and conversation.assignment_id == target_id
            if unchanged:
                target = None
        if target is None:
            if user is not None:
                event_record(
                    conversation=conversation,
                    event=builders.conversation_update(conversation),
                    moment=moment,
                )
            return conversation
        _route_to(conversation, target, moment=moment)
        return conversation


def _route_to(conversation: Conversation, target: Queue | Script, *, moment: datetime) -> None:
    if conversation.state == ConversationState.IDLE:
        _activate(conversation, target, moment=moment)
        return
    post_agent_finish(conversation, moment=moment)
    interaction = open_interaction(conversation)
    if interaction is None:
        interaction = interaction_start(conversation, status=InteractionStatus.QUEUED, moment=moment)
    offers_withdraw(interaction, moment=moment)
    if interaction.status == InteractionStatus.WITH_AGENT and conversation.agent is not None:
        _agent_leaves(conversation, conversation.agent, moment=moment)
    if isinstance(target, Script):
        interaction.status = InteractionStatus.SCRIPT
        interaction.save(update_fields=["status"])
        script_start(conversation, target, moment=moment)
        return
    queue_into(conversation, interaction, target, moment=moment)


def _agent_leaves(conversation: Conversation, agent: Agent, *, moment: datetime) -> None:
    participant_leave(conversation, kind=ParticipantType.AGENT, participant_id=agent.public_id, moment=moment)
    event_record(
        conversation=conversation,
        event=builders.members_changed(member_type="agent", change="left", member_id=agent.public_id),
        moment=moment,
    )
    Agent.objects.filter(pk=agent.pk).update(last_idle_at=moment)
    conversation.agent = None
    conversation.save(update_fields=["agent"])


@retry_on_conflict
def conversation_transfer(*, conversation: Conversation, agent: Agent, queue_id: str) -> Conversation:
    """TRANSFER, MEMBERS_CHANGED agent left, CONVERSATION_UPDATE (queue), QUEUED."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        interaction = agent_handling_required(conversation, agent)
        queue = queue_resolve(conversation.tenant, queue_id)
        event_record(conversation=conversation, event=builders.transfer(), moment=moment)
        _agent_leaves(conversation, agent, moment=moment)
        queue_into(conversation, interaction, queue, moment=moment)
        return conversation


@retry_on_conflict
def conversation_end_by_agent(*, conversation: Conversation, agent: Agent) -> Conversation:
    """The agent ends the chat: MEMBERS_CHANGED agent left, then CONVERSATION_UPDATE.

    Without a post-agent assignment the conversation goes `idle`. With one, it stays
    `active` and is handed to that webhook (assignment `{type: webhook, id}`) until its
    timers end it.
    """
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        interaction = agent_handling_required(conversation, agent)
        _agent_leaves(conversation, agent, moment=moment)
        interaction.status = InteractionStatus.ENDED
        interaction.ended_at = moment
        interaction.save(update_fields=["status", "ended_at"])
        paa = (
            PostAgentAssignment.objects.filter(conversation=conversation, activated_at__isnull=True)
            .select_related("webhook")
            .first()
        )
        if paa is not None and not paa.webhook.is_deleted:
            post_agent_start(conversation, paa, moment=moment)
        else:
            _go_idle(conversation, moment=moment)
        routing_dispatch(tenant_id=conversation.tenant_id)
        return conversation


def _go_idle(conversation: Conversation, *, moment: datetime) -> None:
    conversation.state = ConversationState.IDLE
    conversation.touch("state")
    event_record(
        conversation=conversation,
        event=builders.conversation_update(conversation),
        moment=moment,
    )


@retry_on_conflict
def conversation_user_leave(*, conversation: Conversation) -> Conversation:
    """The integration removes the user: user left, agent left (if any), then `idle`."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if conversation.state == ConversationState.IDLE:
            return conversation
        participant_leave(
            conversation,
            kind=ParticipantType.USER,
            participant_id=conversation.user_participant_id,
            moment=moment,
        )
        event_record(
            conversation=conversation,
            event=builders.members_changed(
                member_type="user", change="left", member_id=conversation.user_participant_id
            ),
            moment=moment,
        )
        interaction = open_interaction(conversation)
        if interaction is not None:
            offers_withdraw(interaction, moment=moment)
            if interaction.status == InteractionStatus.WITH_AGENT and conversation.agent is not None:
                _agent_leaves(conversation, conversation.agent, moment=moment)
            interaction.status = InteractionStatus.ENDED
            interaction.ended_at = moment
            interaction.save(update_fields=["status", "ended_at"])
        # The end goes where the user-left event went: to the post-agent webhook while the
        # hand-back is in force, as when its timers end it.
        _go_idle(conversation, moment=moment)
        post_agent_finish(conversation, moment=moment)
        routing_dispatch(tenant_id=conversation.tenant_id)
        return conversation


def _post_agent_timeout(conversation_id: str, *, user_silence: bool) -> None:
    moment = timezone.now()
    conversation = conversation_lock(conversation_id)
    paa = PostAgentAssignment.objects.filter(conversation=conversation).first()
    if paa is None or not paa.is_active or conversation.state != ConversationState.ACTIVE:
        return
    user_at, bot_at = conversation.last_user_message_at, conversation.last_bot_message_at
    if user_silence and user_at and bot_at and user_at > bot_at:
        return  # the user answered the bot's last message: not silent
    # The end is reported to the post-agent webhook, then the hand-back is over.
    _go_idle(conversation, moment=moment)
    post_agent_finish(conversation, moment=moment)


def post_agent_max_total_elapsed(conversation_id: str) -> None:
    _post_agent_timeout(conversation_id, user_silence=False)


def post_agent_user_silent(conversation_id: str) -> None:
    _post_agent_timeout(conversation_id, user_silence=True)
