"""Agents: creating, changing and deleting one, their status, and closing a chat after its wrap-up."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from conversations.events import desk
from conversations.models import (
    Agent,
    AgentStatus,
    Interaction,
    InteractionStatus,
    Participant,
    ParticipantType,
    Tenant,
)
from conversations.services.queues import queue_resolve
from conversations.services.routing import agent_offers_withdraw, routing_dispatch
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import (
    AlreadyExists,
    InvalidReference,
    InvalidTransition,
    NotFound,
    ResourceInUse,
)

NAME_MAX = 256


PUBLIC_ID_MAX = 64
CAPACITY_MAX = 100


def _free_public_id(tenant: Tenant, name: str) -> str:
    base = f"agent-{slugify(name)[: PUBLIC_ID_MAX - 10] or 'new'}"
    taken = set(
        Agent.objects.filter(tenant=tenant, public_id__startswith=base).values_list("public_id", flat=True)
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidReference("name is required.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidReference(f"name must be at most {NAME_MAX} characters.", field="name")
    return name


def _checked_languages(languages: list[str]) -> list[str]:
    return [lang.strip() for lang in languages if lang.strip()] or ["en"]


def _checked_capacity(capacity: int) -> int:
    if not 1 <= capacity <= CAPACITY_MAX:
        raise InvalidReference(f"capacity must be between 1 and {CAPACITY_MAX}.", field="capacity")
    return capacity


def agent_create(
    *,
    tenant: Tenant,
    name: str,
    queue_ids: list[str],
    public_id: str = "",
    languages: list[str] | None = None,
    status: AgentStatus = AgentStatus.OFFLINE,
    capacity: int | None = None,
) -> Agent:
    """A new agent, member of the given queues. Available agents are offered waiting chats at once.

    Without `public_id` one is made from the name (`agent-anna-berg`, `agent-anna-berg-2` …).
    """
    name = _checked_name(name)
    public_id = public_id.strip()
    if len(public_id) > PUBLIC_ID_MAX or "/" in public_id:
        raise InvalidReference(f"id must be at most {PUBLIC_ID_MAX} characters, without '/'.", field="id")
    if not queue_ids:
        raise InvalidReference("An agent needs at least one queue.", field="queues")
    with transaction.atomic():
        queues = [queue_resolve(tenant, queue_id) for queue_id in queue_ids]
        if not public_id:
            public_id = _free_public_id(tenant, name)
        elif Agent.objects.filter(tenant=tenant, public_id=public_id).exists():
            raise AlreadyExists(f"Agent ID {public_id} already exists.", field="id")
        agent = Agent.objects.create(
            tenant=tenant,
            public_id=public_id,
            name=name,
            languages=_checked_languages(languages or []),
            status=status,
        )
        if capacity is not None:
            agent.capacity = _checked_capacity(capacity)
            agent.save(update_fields=["capacity"])
        for queue in queues:
            queue.agents.add(agent)
        desk.push_agent_new(agent)
        if status == AgentStatus.AVAILABLE:
            routing_dispatch(tenant_id=tenant.id)
        return agent


@retry_on_conflict
def agent_set_status(*, agent: Agent, status: AgentStatus) -> Agent:
    """Change an agent's status. Becoming available pulls waiting chats; leaving withdraws offers."""
    moment = timezone.now()
    with transaction.atomic():
        if status != AgentStatus.AVAILABLE:
            agent_offers_withdraw(agent, moment=moment)
        locked = Agent.objects.select_for_update().get(pk=agent.pk)
        previous = locked.status
        locked.status = status
        fields = ["status"]
        if status == AgentStatus.AVAILABLE and previous != AgentStatus.AVAILABLE:
            locked.last_idle_at = moment
            fields.append("last_idle_at")
        locked.save(update_fields=fields)
        desk.push_agent_status(locked)
        routing_dispatch(tenant_id=locked.tenant_id)
        return locked


def agent_get(tenant: Tenant, agent_id: str) -> Agent:
    """The agent a request's path names: unknown here (or another tenant's) is a 404."""
    agent = Agent.objects.filter(tenant=tenant, public_id=agent_id.strip()).first()
    if agent is None:
        raise NotFound("Agent", agent_id)
    return agent


@retry_on_conflict
def agent_update(
    *,
    agent: Agent,
    name: str | None = None,
    languages: list[str] | None = None,
    capacity: int | None = None,
    queue_ids: list[str] | None = None,
    status: AgentStatus | None = None,
) -> Agent:
    """Change what is given. Leaving a queue withdraws that queue's offers to the agent; more
    room (capacity, queues, availability) is offered waiting chats at once. Chats the agent
    has stay theirs."""
    moment = timezone.now()
    with transaction.atomic():
        if queue_ids is not None:
            if not queue_ids:
                raise InvalidReference("An agent needs at least one queue.", field="queueIds")
            queues = [queue_resolve(agent.tenant_id, queue_id) for queue_id in queue_ids]
            left = list(
                agent.queues.exclude(pk__in=[queue.pk for queue in queues]).values_list("pk", flat=True)
            )
            agent_offers_withdraw(agent, moment=moment, queue_pks=left)
            agent.queues.set(queues)
        if status is not None and status != agent.status:
            agent = agent_set_status(agent=agent, status=status)
        locked = Agent.objects.select_for_update().get(pk=agent.pk)
        fields = []
        if name is not None:
            locked.name = _checked_name(name)
            fields.append("name")
        if languages is not None:
            locked.languages = _checked_languages(languages)
            fields.append("languages")
        if capacity is not None:
            locked.capacity = _checked_capacity(capacity)
            fields.append("capacity")
        if fields:
            locked.save(update_fields=fields)
        routing_dispatch(tenant_id=locked.tenant_id)
        return locked


def agent_delete(*, agent: Agent) -> None:
    """Delete an agent who handles no chat: they go offline first, so their offers go to others.

    Chats they left keep their history (the participant rows lose the link to the agent).
    """
    with transaction.atomic():
        agent_set_status(agent=agent, status=AgentStatus.OFFLINE)
        chats = list(
            Interaction.objects.filter(agent_id=agent.pk, status=InteractionStatus.WITH_AGENT)
            .order_by("started_at")
            .values_list("conversation_id", flat=True)
        )
        if chats:
            raise ResourceInUse(
                f"Agent {agent.public_id} is still handling {len(chats)} chat(s) ({', '.join(chats)}): "
                "end or transfer them first."
            )
        Agent.objects.filter(pk=agent.pk).delete()


def agent_chat_close(*, agent: Agent, conversation_id: str) -> Participant:
    """The agent is done with the wrap-up of a chat they left: it leaves their desktop.

    Every open desktop of the agent is told (`chat.closed`), so several tabs agree.
    """
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update()
            .filter(conversation_id=conversation_id.strip(), type=ParticipantType.AGENT, agent=agent)
            .first()
        )
        if participant is None:
            raise NotFound("Conversation", conversation_id)
        if not participant.removed:
            raise InvalidTransition(
                "This chat is still open: end or transfer it before closing it.", code="chat_open"
            )
        participant.wrapped_up_at = timezone.now()
        participant.save(update_fields=["wrapped_up_at"])
        desk.push_chat_closed(agent, participant.conversation_id)
        return participant
