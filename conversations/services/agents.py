"""Agents as the desktop manages them: creating one, and closing a chat after its wrap-up."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from conversations.broadcast import broadcast_on_commit
from conversations.groups import agent_group, tenant_group
from conversations.models import Agent, AgentStatus, Participant, ParticipantType, Tenant
from conversations.services.common import queue_resolve
from conversations.services.routing import routing_dispatch
from gateway_sim.domain_errors import AlreadyExists, InvalidReference, InvalidTransition, NotFound

NAME_MAX = 256
PUBLIC_ID_MAX = 64


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


def agent_create(
    *,
    tenant: Tenant,
    name: str,
    queue_ids: list[str],
    public_id: str = "",
    languages: list[str] | None = None,
    status: AgentStatus = AgentStatus.OFFLINE,
) -> Agent:
    """A new agent, member of the given queues. Available agents are offered waiting chats at once.

    Without `public_id` one is made from the name (`agent-anna-berg`, `agent-anna-berg-2` …).
    """
    name = name.strip()
    if not name:
        raise InvalidReference("name is required.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidReference(f"name must be at most {NAME_MAX} characters.", field="name")
    public_id = public_id.strip()
    if len(public_id) > PUBLIC_ID_MAX:
        raise InvalidReference(f"id must be at most {PUBLIC_ID_MAX} characters.", field="id")
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
            languages=[lang.strip() for lang in languages or ["en"] if lang.strip()] or ["en"],
            status=status,
        )
        for queue in queues:
            queue.agents.add(agent)
        broadcast_on_commit(
            [tenant_group(tenant.id)], "agent.status", {"agentId": agent.public_id, "status": agent.status}
        )
        if status == AgentStatus.AVAILABLE:
            routing_dispatch(tenant_id=tenant.id)
        return agent


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
        broadcast_on_commit(
            [agent_group(agent.pk)],
            "chat.closed",
            {"conversationId": participant.conversation_id, "agentId": agent.public_id},
        )
        return participant
