"""Post-agent assignment: handing the conversation to a bot webhook once the agent has left.

While the hand-back is in force the conversation stays `active` with assignment
`{type: "webhook", id}`; its timers (`maxTotalMinutes`, `userTimeoutInMinutes`) end it
(see `conversations.services.lifecycle`)."""

from datetime import datetime

from django.db import transaction

from conversations.events import builders
from conversations.events.outbox import event_record
from conversations.models import AssignmentType, Conversation, PostAgentAssignment, TimerKind
from conversations.services.locking import conversation_lock
from conversations.services.timers import minutes, timer_cancel, timer_schedule
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import AlreadyExists, InvalidReference
from webhooks.models import Webhook, WebhookVersion


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


def post_agent_start(conversation: Conversation, paa: PostAgentAssignment, *, moment: datetime) -> None:
    paa.activated_at = moment
    paa.save(update_fields=["activated_at"])
    conversation.assign(AssignmentType.WEBHOOK, paa.webhook_id)
    conversation.touch("assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event=builders.conversation_update(conversation),
        moment=moment,
    )
    if paa.max_total_minutes:
        timer_schedule(
            tenant_id=conversation.tenant_id,
            kind=TimerKind.POST_AGENT_MAX_TOTAL,
            ref=conversation.id,
            due_at=moment + minutes(paa.max_total_minutes),
        )
    post_agent_user_timer_restart(conversation, moment=moment)


def post_agent_user_timer_restart(conversation: Conversation, *, moment: datetime) -> None:
    """Restart the user-silence countdown; called when the bot speaks during the hand-back."""
    paa = PostAgentAssignment.objects.active_for(conversation)
    if paa is None or not paa.user_timeout_minutes:
        return
    timer_schedule(
        tenant_id=conversation.tenant_id,
        kind=TimerKind.POST_AGENT_USER_TIMEOUT,
        ref=conversation.id,
        due_at=moment + minutes(paa.user_timeout_minutes),
    )


def post_agent_finish(conversation: Conversation, *, moment: datetime) -> None:
    updated = PostAgentAssignment.objects.filter(
        conversation=conversation, activated_at__isnull=False, finished_at__isnull=True
    ).update(finished_at=moment)
    if updated:
        timer_cancel(kind=TimerKind.POST_AGENT_MAX_TOTAL, ref=conversation.id)
        timer_cancel(kind=TimerKind.POST_AGENT_USER_TIMEOUT, ref=conversation.id)


def bot_participant_id(conversation: Conversation) -> str:
    """The integration's bot speaks as its webhook (the post-agent one while that is active)."""
    paa = PostAgentAssignment.objects.active_for(conversation)
    if paa is not None:
        return str(paa.webhook_id)
    if conversation.channel.webhook_id:
        return str(conversation.channel.webhook_id)
    return "bot"
