"""The conversation lifecycle: create, reassign, transfer, end, leave, hand back to a bot."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

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
    TimerKind,
)
from conversations.services.common import (
    active_post_agent_assignment,
    agent_handling_required,
    assignment_set,
    conversation_lock,
    conversation_touch,
    interaction_start,
    open_interaction,
    participant_join,
    participant_leave,
    queue_resolve,
    retry_on_conflict,
)
from conversations.services.messages import history_store
from conversations.services.routing import offers_withdraw, queue_into, routing_dispatch
from conversations.services.scripts import script_resolve, script_start
from conversations.services.timers import minutes, timer_cancel, timer_handler, timer_schedule
from gateway_sim.domain_errors import AlreadyExists, InvalidReference, InvalidTransition
from gateway_sim.ids import new_id
from webhooks import payloads
from webhooks.models import Webhook, WebhookVersion
from webhooks.outbox import event_record


def channel_resolve(tenant: Tenant, channel_id: str, *, api: str = ApiFlavour.GATEWAY) -> Channel:
    """A live channel of the tenant, of the same API as the caller (each API sees its own)."""
    channel = (
        Channel.objects.select_related("webhook", "routing_queue")
        .filter(tenant=tenant, pk=channel_id.strip(), is_deleted=False, api=api)
        .first()
    )
    if channel is None:
        raise InvalidReference(
            f"Channel ID {channel_id} is invalid.", code="invalid_channel", field="channelId"
        )
    return channel


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
        queue = queue_resolve(tenant, target_id) if kind == AssignmentType.QUEUE else None
        script = script_resolve(tenant, target_id) if kind == AssignmentType.SCRIPT else None
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
        assignment_set(conversation, AssignmentType(kind), target_id)
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
            event_type="CONVERSATION_UPDATE",
            data=payloads.conversation_update(conversation),
            moment=moment,
        )
        _activate(conversation, moment=moment, queue=queue, script=script)
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


def _activate(conversation: Conversation, *, moment: datetime, queue: Any, script: Any) -> Interaction:
    """created/idle -> active: a new interaction, CONVERSATION_UPDATE active, then routing."""
    if script is not None:
        interaction = interaction_start(conversation, status=InteractionStatus.SCRIPT, moment=moment)
        script_start(conversation, script, moment=moment)
        return interaction
    interaction = interaction_start(conversation, status=InteractionStatus.QUEUED, moment=moment)
    conversation.state = ConversationState.ACTIVE
    assignment_set(conversation, AssignmentType.QUEUE, queue.public_id)
    conversation_touch(conversation, "state", "assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event_type="CONVERSATION_UPDATE",
        data=payloads.conversation_update(conversation),
        moment=moment,
    )
    event_record(conversation=conversation, event_type="QUEUED", data=payloads.queued(queue), moment=moment)
    interaction.queue = queue
    interaction.queued_at = moment
    interaction.save(update_fields=["queue", "queued_at"])
    conversation.queue = queue
    conversation.save(update_fields=["queue"])
    routing_dispatch(tenant_id=conversation.tenant_id)
    return interaction


def conversation_reopen(conversation: Conversation, *, moment: datetime) -> None:
    """idle -> active on a user message: new interaction queued in the last queue used."""
    queue = conversation.queue
    if queue is None and conversation.channel.routing_queue is not None:
        queue = conversation.channel.routing_queue
    script = conversation.script if queue is None else None
    if queue is None and script is None:
        raise InvalidTransition("The conversation has no queue to re-open into.")
    participant_join(
        conversation,
        kind=ParticipantType.USER,
        participant_id=conversation.user_participant_id,
        moment=moment,
    )
    _activate(conversation, moment=moment, queue=queue, script=script)


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
            conversation_touch(conversation, "user")
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
                    event_type="CONVERSATION_UPDATE",
                    data=payloads.conversation_update(conversation),
                    moment=moment,
                )
            return conversation
        _route_to(conversation, target, moment=moment)
        return conversation


def _route_to(conversation: Conversation, target: Queue | Script, *, moment: datetime) -> None:
    if conversation.state == ConversationState.IDLE:
        if isinstance(target, Script):
            _activate(conversation, moment=moment, queue=None, script=target)
        else:
            _activate(conversation, moment=moment, queue=target, script=None)
        return
    _finish_post_agent(conversation, moment=moment)
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
        event_type="MEMBERS_CHANGED",
        data=payloads.members_changed(member_type="agent", change="left", member_id=agent.public_id),
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
        event_record(conversation=conversation, event_type="TRANSFER", data=None, moment=moment)
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
            _start_post_agent(conversation, paa, moment=moment)
        else:
            _go_idle(conversation, moment=moment)
        routing_dispatch(tenant_id=conversation.tenant_id)
        return conversation


def _go_idle(conversation: Conversation, *, moment: datetime) -> None:
    conversation.state = ConversationState.IDLE
    conversation_touch(conversation, "state")
    event_record(
        conversation=conversation,
        event_type="CONVERSATION_UPDATE",
        data=payloads.conversation_update(conversation),
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
            event_type="MEMBERS_CHANGED",
            data=payloads.members_changed(
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
        _finish_post_agent(conversation, moment=moment)
        routing_dispatch(tenant_id=conversation.tenant_id)
        return conversation


@retry_on_conflict
def post_agent_assignment_create(
    *,
    conversation: Conversation,
    webhook_id: str,
    notify_channel_webhook: bool = False,
    max_total_minutes: int | None = None,
    user_timeout_minutes: int | None = None,
) -> PostAgentAssignment:
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if PostAgentAssignment.objects.filter(conversation=conversation).exists():
            raise AlreadyExists(
                f"Post agent assignment already exists for conversation {conversation.id} "
                f"and tenant {conversation.tenant_id}",
                field="conversationId",
            )
        # The hand-back webhook receives Chat Gateway events: a legacy v1.0/v2.0 one cannot.
        webhook = Webhook.objects.filter(
            tenant_id=conversation.tenant_id,
            pk=webhook_id.strip(),
            is_deleted=False,
            version=WebhookVersion.GATEWAY,
        ).first()
        if webhook is None:
            raise InvalidReference(f"Webhook ID {webhook_id} is invalid.", field="id")
        return PostAgentAssignment.objects.create(
            conversation=conversation,
            webhook=webhook,
            notify_channel_webhook=notify_channel_webhook,
            max_total_minutes=max_total_minutes,
            user_timeout_minutes=user_timeout_minutes,
        )


def _start_post_agent(conversation: Conversation, paa: PostAgentAssignment, *, moment: datetime) -> None:
    paa.activated_at = moment
    paa.save(update_fields=["activated_at"])
    assignment_set(conversation, AssignmentType.WEBHOOK, paa.webhook_id)
    conversation_touch(conversation, "assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event_type="CONVERSATION_UPDATE",
        data=payloads.conversation_update(conversation),
        moment=moment,
    )
    if paa.max_total_minutes:
        timer_schedule(
            kind=TimerKind.POST_AGENT_MAX_TOTAL,
            ref=conversation.id,
            due_at=moment + minutes(paa.max_total_minutes),
        )
    post_agent_user_timer_restart(conversation, moment=moment)


def post_agent_user_timer_restart(conversation: Conversation, *, moment: datetime) -> None:
    """Restart the user-silence countdown; called when the bot speaks during the hand-back."""
    paa = active_post_agent_assignment(conversation)
    if paa is None or not paa.user_timeout_minutes:
        return
    timer_schedule(
        kind=TimerKind.POST_AGENT_USER_TIMEOUT,
        ref=conversation.id,
        due_at=moment + minutes(paa.user_timeout_minutes),
    )


def _finish_post_agent(conversation: Conversation, *, moment: datetime) -> None:
    updated = PostAgentAssignment.objects.filter(
        conversation=conversation, activated_at__isnull=False, finished_at__isnull=True
    ).update(finished_at=moment)
    if updated:
        timer_cancel(kind=TimerKind.POST_AGENT_MAX_TOTAL, ref=conversation.id)
        timer_cancel(kind=TimerKind.POST_AGENT_USER_TIMEOUT, ref=conversation.id)


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
    _finish_post_agent(conversation, moment=moment)


@timer_handler(TimerKind.POST_AGENT_MAX_TOTAL)
def post_agent_max_total_elapsed(conversation_id: str) -> None:
    _post_agent_timeout(conversation_id, user_silence=False)


@timer_handler(TimerKind.POST_AGENT_USER_TIMEOUT)
def post_agent_user_silent(conversation_id: str) -> None:
    _post_agent_timeout(conversation_id, user_silence=True)
