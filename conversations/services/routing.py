"""Routing: queueing interactions and offering waiting ones to free agents."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from conversations.events import builders, desk
from conversations.events.outbox import event_record
from conversations.models import (
    Agent,
    AgentStatus,
    AssignmentType,
    Conversation,
    ConversationState,
    Interaction,
    InteractionStatus,
    Offer,
    OfferStatus,
    Queue,
    TimerKind,
)
from conversations.services.autopilot import autopilot_offer_made
from conversations.services.timers import timer_cancel, timer_schedule


def queue_into(
    conversation: Conversation, interaction: Interaction, queue: Queue, *, moment: datetime
) -> None:
    """Put the interaction in `queue`: CONVERSATION_UPDATE (assignment queue), then QUEUED.

    Every path into a queue (create, transfer, re-open, reassignment) goes through here, so
    the event pair is always the same and always in this order.
    """
    interaction.status = InteractionStatus.QUEUED
    interaction.queue = queue
    interaction.agent = None
    interaction.queued_at = moment
    interaction.save(update_fields=["status", "queue", "agent", "queued_at"])
    conversation.state = ConversationState.ACTIVE
    conversation.queue = queue
    conversation.agent = None
    conversation.assign(AssignmentType.QUEUE, queue.public_id)
    conversation.touch("state", "queue", "agent", "assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event=builders.conversation_update(conversation),
        moment=moment,
    )
    event_record(conversation=conversation, event=builders.queued(queue), moment=moment)
    routing_dispatch(tenant_id=conversation.tenant_id)


def offers_withdraw(interaction: Interaction, *, moment: datetime) -> None:
    """Cancel the pending offer of an interaction that left its queue."""
    for offer in Offer.objects.pending().filter(interaction=interaction).select_related("agent"):
        offer.status = OfferStatus.CANCELLED
        offer.decided_at = moment
        offer.save(update_fields=["status", "decided_at"])
        timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
        desk.push_offer(offer, "offer.withdrawn")


def agent_offers_withdraw(agent: Agent, *, moment: datetime, queue_pks: list[int] | None = None) -> None:
    """Withdraw the agent's pending offers (of the given queues only, if named)."""
    offers = Offer.objects.pending().filter(agent_id=agent.pk)
    if queue_pks is not None:
        offers = offers.filter(interaction__queue_id__in=queue_pks)
    # Offers before the agent row: the lock order of offer_accept (offer, then agent).
    for offer in offers.select_related("interaction__conversation", "interaction__queue", "agent"):
        withdrawn = Offer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING).update(
            status=OfferStatus.CANCELLED, decided_at=moment
        )
        if withdrawn:
            offer.status = OfferStatus.CANCELLED
            timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
            desk.push_offer(offer, "offer.withdrawn")


def agent_load(agent: Agent) -> int:
    chats = Interaction.objects.filter(agent=agent, status=InteractionStatus.WITH_AGENT).count()
    return chats + Offer.objects.pending().filter(agent=agent).count()


def _with_load(agents: QuerySet[Agent]) -> QuerySet[Agent]:
    """`agents` annotated with their chats and pending offers (their load: see agent_load)."""
    return agents.annotate(
        chats=Count(
            "interactions", filter=Q(interactions__status=InteractionStatus.WITH_AGENT), distinct=True
        ),
        pending=Count("offers", filter=Q(offers__status=OfferStatus.PENDING), distinct=True),
    )


def _queues_with_room(tenant_id: str) -> set[int]:
    """The tenant's queues that have an available agent with a free slot: only their
    waiting interactions can be offered now."""
    agents = _with_load(
        Agent.objects.filter(tenant_id=tenant_id, status=AgentStatus.AVAILABLE).only("capacity")
    )
    free = [agent.pk for agent in agents if agent.chats + agent.pending < agent.capacity]  # type: ignore[attr-defined]
    if not free:
        return set()
    memberships = Queue.agents.through.objects.filter(agent_id__in=free)
    return set(memberships.values_list("queue_id", flat=True))


def _candidates(interaction: Interaction) -> list[Agent]:
    """Agents who may be offered this interaction, best first.

    Order: agents who have not yet declined this interaction, then those speaking the
    user's language, then the longest idle.
    """
    if interaction.queue is None:
        return []
    language = interaction.conversation.language
    agents = (
        _with_load(Agent.objects.filter(queues=interaction.queue, status=AgentStatus.AVAILABLE))
        .annotate(
            declined=Count(
                "offers",
                filter=Q(offers__interaction=interaction)
                & Q(offers__status__in=[OfferStatus.REJECTED, OfferStatus.EXPIRED]),
                distinct=True,
            ),
        )
        .order_by("last_idle_at", "pk")
    )
    free = [agent for agent in agents if agent.chats + agent.pending < agent.capacity]  # type: ignore[attr-defined]
    return sorted(free, key=lambda a: (a.declined, not a.speaks(language)))  # type: ignore[attr-defined]


def routing_dispatch(*, tenant_id: str) -> list[Offer]:
    """Offer every waiting interaction of the tenant that has no offer to a free agent.

    Only interactions whose queue has room are looked at, and the rooms are counted again
    after each offer: with every agent busy, a dispatch is one query however long the
    queue (it runs for each new conversation, so looking at each waiting one made a queue
    of n conversations cost n queries per arrival).
    """
    moment = timezone.now()
    made: list[Offer] = []
    rooms = _queues_with_room(tenant_id)
    if not rooms:
        return made
    # SKIP LOCKED: a chat another transaction is offering right now is passed over instead
    # of being offered twice (which the one-pending-offer constraint would refuse). Never
    # waiting here also keeps the lock order: agents are the only rows locked below.
    waiting = (
        Interaction.objects.waiting()
        .filter(conversation__tenant_id=tenant_id, queue_id__in=rooms)
        .exclude(offers__status=OfferStatus.PENDING)
        .select_related("conversation", "queue")
        .select_for_update(skip_locked=True, of=("self",))
    )
    for interaction in waiting:
        if interaction.queue_id not in rooms:
            continue
        # The statement above judged "no pending offer" on its snapshot; a dispatch that
        # committed an offer for this chat after that snapshot and before our lock leaves the
        # row unchanged, so the lock does not re-check it (PostgreSQL). Ask again, now.
        if Offer.objects.pending().filter(interaction=interaction).exists():
            continue
        for agent in _candidates(interaction):
            # Lock the agent so two concurrent dispatches cannot both fill its last slot.
            locked = Agent.objects.select_for_update().get(pk=agent.pk)
            if locked.status != AgentStatus.AVAILABLE or agent_load(locked) >= locked.capacity:
                continue
            made.append(offer_create(interaction=interaction, agent=locked, moment=moment))
            rooms = _queues_with_room(tenant_id)
            break
        if not rooms:
            break
    return made


def offer_create(*, interaction: Interaction, agent: Agent, moment: datetime) -> Offer:
    timeout = timedelta(seconds=settings.SANDBOX_OFFER_TIMEOUT_SECONDS)
    offer = Offer.objects.create(
        interaction=interaction, agent=agent, created_at=moment, expires_at=moment + timeout
    )
    timer_schedule(
        tenant_id=agent.tenant_id, kind=TimerKind.OFFER_TIMEOUT, ref=offer.id, due_at=offer.expires_at
    )
    desk.push_offer(offer, "offer.new")
    autopilot_offer_made(offer=offer)
    return offer
