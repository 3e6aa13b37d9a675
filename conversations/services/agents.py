"""Agents: creating one, their status, and closing a chat after its wrap-up."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from conversations.events import desk
from conversations.models import (
    Agent,
    AgentStatus,
    Offer,
    OfferStatus,
    Participant,
    ParticipantType,
    Tenant,
    TimerKind,
)
from conversations.services.queues import queue_resolve
from conversations.services.routing import routing_dispatch
from conversations.services.timers import timer_cancel
from gateway_sim.db.retry import retry_on_conflict
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
            # Offers before the agent row: the lock order of offer_accept (offer, then agent).
            for offer in (
                Offer.objects.pending()
                .filter(agent_id=agent.pk)
                .select_related("interaction__conversation", "interaction__queue", "agent")
            ):
                withdrawn = Offer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING).update(
                    status=OfferStatus.CANCELLED, decided_at=moment
                )
                if withdrawn:
                    offer.status = OfferStatus.CANCELLED
                    timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
                    desk.push_offer(offer, "offer.withdrawn")
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
