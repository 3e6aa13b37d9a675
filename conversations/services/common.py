"""Building blocks shared by the lifecycle, routing and message services."""

import functools
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from conversations.models import (
    Agent,
    AssignmentType,
    Channel,
    Conversation,
    Interaction,
    InteractionStatus,
    Participant,
    ParticipantType,
    PostAgentAssignment,
    Queue,
    Script,
    Tenant,
)
from gateway_sim.db.rows import Table
from gateway_sim.domain_errors import InvalidReference, InvalidTransition, NotFound
from gateway_sim.ids import new_id
from webhooks.models import Webhook

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's "deadlock detected" and "could not serialize access".
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
_ATTEMPTS = 3


def retry_on_conflict(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service again when PostgreSQL aborts its transaction to break a deadlock.

    Services take locks in one order (conversation, then its offers and interactions, then
    agents), but a transaction chosen as a deadlock victim is rolled back whole, events and
    broadcasts included, so running it again is safe. Only the outermost transaction can be
    retried: inside another one, the outer transaction is already lost.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return service(*args, **kwargs)
            except OperationalError as exc:
                retryable = getattr(exc.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES
                if not retryable or attempt == _ATTEMPTS or transaction.get_connection().in_atomic_block:
                    raise
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    return run


# A conversation with everything the services read of it, in one query: its channel and
# the channel's webhook, its tenant, and the queue, agent and script it is with. This runs
# for every API call and every change, so it is plain SQL (see gateway_sim.db.rows).
_CONVERSATIONS = Table.of(Conversation)
_CHANNELS = Table.of(Channel)
_WEBHOOKS = Table.of(Webhook)
_TENANTS = Table.of(Tenant)
_QUEUES = Table.of(Queue)
_AGENTS = Table.of(Agent)
_SCRIPTS = Table.of(Script)
_CONVERSATION_SQL = (
    f"SELECT {_CONVERSATIONS.columns('c')}, {_CHANNELS.columns('ch')}, {_WEBHOOKS.columns('w')},"
    f" {_TENANTS.columns('t')}, {_QUEUES.columns('q')}, {_AGENTS.columns('a')}, {_SCRIPTS.columns('s')}"
    f" FROM {_CONVERSATIONS.name} c"
    f" JOIN {_CHANNELS.name} ch ON ch.id = c.channel_id"
    f" LEFT JOIN {_WEBHOOKS.name} w ON w.id = ch.webhook_id"
    f" JOIN {_TENANTS.name} t ON t.id = c.tenant_id"
    f" LEFT JOIN {_QUEUES.name} q ON q.id = c.queue_id"
    f" LEFT JOIN {_AGENTS.name} a ON a.id = c.agent_id"
    f" LEFT JOIN {_SCRIPTS.name} s ON s.id = c.script_id"
    " WHERE c.id = %s"
)
_CONVERSATION_ALONE_SQL = f"SELECT {_CONVERSATIONS.columns('c')} FROM {_CONVERSATIONS.name} c WHERE c.id = %s"


def conversation_fetch(
    conversation_id: str, *, tenant_id: str | None = None, api: str | None = None, related: bool = True
) -> Conversation | None:
    """The conversation with its channel (and webhook), tenant, queue, agent and script
    loaded (only its own row without `related`), or None; `tenant_id` and `api` narrow
    the lookup."""
    sql, params = (_CONVERSATION_SQL if related else _CONVERSATION_ALONE_SQL), [conversation_id]
    if tenant_id is not None:
        sql, params = sql + " AND c.tenant_id = %s", [*params, tenant_id]
    if api is not None:
        sql, params = sql + " AND c.api = %s", [*params, api]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if not related:
        return _CONVERSATIONS.from_row(row)
    tables: list[Table[Any]] = [_CONVERSATIONS, _CHANNELS, _WEBHOOKS, _TENANTS, _QUEUES, _AGENTS, _SCRIPTS]
    objects = []
    start = 0
    for table in tables:
        objects.append(table.from_row(row, start))
        start += table.width
    conversation, channel, webhook, tenant, queue, agent, script = objects
    assert isinstance(conversation, Conversation)
    assert isinstance(channel, Channel)
    channel.webhook = webhook  # type: ignore[assignment]
    conversation.channel = channel
    conversation.tenant = tenant  # type: ignore[assignment]
    conversation.queue = queue  # type: ignore[assignment]
    conversation.agent = agent  # type: ignore[assignment]
    conversation.script = script  # type: ignore[assignment]
    return conversation


def conversation_lock(conversation_id: str, *, tenant_id: str | None = None) -> Conversation:
    """Fetch a conversation and lock its row until the end of the transaction.

    Every service that changes a conversation takes this lock first, so concurrent changes
    to one conversation (API calls, agent actions, timers) are applied one after another
    and their events keep a strict order.
    """
    # On PostgreSQL, lock by primary key alone, then load the related rows: a locking query
    # with joins would re-check the joins against a concurrent writer's new row version and
    # hand back stale related objects. SQLite transactions here are BEGIN IMMEDIATE: the
    # write lock is already held.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {_CONVERSATIONS.name} WHERE id = %s FOR UPDATE", [conversation_id])
            if cursor.fetchone() is None:
                raise NotFound("Conversation", conversation_id)
    conversation = conversation_fetch(conversation_id, tenant_id=tenant_id)
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    return conversation


def queue_resolve(tenant: Tenant | str, queue_id: str) -> Queue:
    tenant_id = tenant if isinstance(tenant, str) else tenant.id
    queue = Queue.objects.filter(tenant_id=tenant_id, public_id=queue_id.strip()).first()
    if queue is None:
        raise InvalidReference(
            f"Queue ID {queue_id} is invalid.", code="invalid_queue", field="assignment.id"
        )
    return queue


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


def assignment_set(conversation: Conversation, kind: AssignmentType, assignee_id: str) -> None:
    conversation.assignment_type = kind
    conversation.assignment_id = assignee_id


def participant_join(
    conversation: Conversation,
    *,
    kind: ParticipantType,
    participant_id: str,
    agent_pk: int | None = None,
    moment: datetime | None = None,
) -> Participant:
    moment = moment or timezone.now()
    participant, created = Participant.objects.get_or_create(
        conversation=conversation,
        type=kind,
        participant_id=participant_id,
        defaults={"language": conversation.language, "agent_id": agent_pk, "joined_at": moment},
    )
    if not created and participant.removed:
        participant.removed = False
        participant.joined_at = moment
        participant.left_at = None
        participant.save(update_fields=["removed", "joined_at", "left_at"])
    return participant


def participant_leave(
    conversation: Conversation, *, kind: ParticipantType, participant_id: str, moment: datetime
) -> None:
    Participant.objects.filter(
        conversation=conversation, type=kind, participant_id=participant_id, removed=False
    ).update(removed=True, left_at=moment)


def active_post_agent_assignment(conversation: Conversation) -> PostAgentAssignment | None:
    """The hand-back to a bot webhook currently in force, if any (always read fresh).

    While one is in force the conversation's assignment is that webhook, so any other
    assignment answers without a query (this runs for every event of every conversation).
    """
    if conversation.assignment_type != AssignmentType.WEBHOOK:
        return None
    return (
        PostAgentAssignment.objects.filter(
            conversation_id=conversation.pk, activated_at__isnull=False, finished_at__isnull=True
        )
        .select_related("webhook")
        .first()
    )


def bot_participant_id(conversation: Conversation) -> str:
    """The integration's bot speaks as its webhook (the post-agent one while that is active)."""
    paa = active_post_agent_assignment(conversation)
    if paa is not None:
        return str(paa.webhook_id)
    if conversation.channel.webhook_id:
        return str(conversation.channel.webhook_id)
    return "bot"


def conversation_touch(conversation: Conversation, *fields: str) -> None:
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["updated_at", *fields])


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
