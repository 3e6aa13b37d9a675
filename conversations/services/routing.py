"""Routing: queueing interactions, offering them to agents, accept / reject / timeout."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from conversations.broadcast import broadcast_on_commit
from conversations.groups import agent_group, tenant_group
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
    ParticipantType,
    Queue,
    TimerKind,
)
from conversations.services.common import (
    assignment_set,
    conversation_lock,
    conversation_touch,
    participant_join,
    retry_on_conflict,
)
from conversations.services.timers import timer_cancel, timer_handler, timer_schedule
from gateway_sim.domain_errors import NotFound, OfferUnavailable
from webhooks import payloads
from webhooks.outbox import event_record


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
    assignment_set(conversation, AssignmentType.QUEUE, queue.public_id)
    conversation_touch(conversation, "state", "queue", "agent", "assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event_type="CONVERSATION_UPDATE",
        data=payloads.conversation_update(conversation),
        moment=moment,
    )
    event_record(conversation=conversation, event_type="QUEUED", data=payloads.queued(queue), moment=moment)
    routing_dispatch(tenant_id=conversation.tenant_id)


def offers_withdraw(interaction: Interaction, *, moment: datetime) -> None:
    """Cancel the pending offer of an interaction that left its queue."""
    for offer in Offer.objects.pending().filter(interaction=interaction).select_related("agent"):
        offer.status = OfferStatus.CANCELLED
        offer.decided_at = moment
        offer.save(update_fields=["status", "decided_at"])
        timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
        _push_offer(offer, "offer.withdrawn")


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
    assert interaction.queue is not None
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
    timer_schedule(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id, due_at=offer.expires_at)
    _push_offer(offer, "offer.new")
    return offer


def offer_payload(offer: Offer) -> dict[str, Any]:
    """What the desktop is told about an offer (pushes and the desk's state snapshot)."""
    interaction = offer.interaction
    conversation = interaction.conversation
    return {
        "offerId": offer.id,
        "conversationId": conversation.id,
        "agentId": offer.agent.public_id,
        "status": offer.status,
        "queueId": interaction.queue.public_id if interaction.queue else None,
        "queueName": interaction.queue.name if interaction.queue else None,
        "userName": conversation.display_name,
        "language": conversation.language,
        "expiresAt": offer.expires_at.isoformat(),
    }


def _push_offer(offer: Offer, kind: str) -> None:
    groups = [agent_group(offer.agent_id), tenant_group(offer.interaction.conversation.tenant_id)]
    broadcast_on_commit(groups, kind, offer_payload(offer))


def _offer_for_update(offer_id: str, tenant_id: str | None = None) -> Offer | None:
    """Lock an offer row by primary key alone, then load what it points at.

    The lock query must not join: on PostgreSQL a blocked `SELECT ... FOR UPDATE` re-checks
    its join conditions against the winner's new row version and would drop the row (the
    loser would see "not found" instead of "already accepted").
    """
    if not Offer.objects.select_for_update().filter(pk=offer_id).exists():
        return None
    offer = Offer.objects.select_related("interaction__conversation", "interaction__queue", "agent").get(
        pk=offer_id
    )
    if tenant_id is not None and offer.agent.tenant_id != tenant_id:
        return None
    return offer


def _offer_or_404(offer_id: str, tenant_id: str) -> Offer:
    offer = _offer_for_update(offer_id, tenant_id)
    if offer is None:
        raise NotFound("Offer", offer_id)
    return offer


@retry_on_conflict
def offer_accept(*, offer_id: str, agent: Agent) -> Conversation:
    """The agent takes the chat: MEMBERS_CHANGED agent joined, CONVERSATION_UPDATE (agent).

    The offered agent normally accepts; any other available member of the queue may take
    the waiting chat instead (the sandbox's "pick from queue"). Whoever commits first wins;
    everyone else gets `OfferUnavailable`.
    """
    moment = timezone.now()
    with transaction.atomic():
        # Lock order, as in every service: the conversation, then its offers, then agents.
        # (Locking the offer first deadlocked against a concurrent leave or reassignment.)
        conversation_id = (
            Offer.objects.filter(pk=offer_id, agent__tenant_id=agent.tenant_id)
            .values_list("interaction__conversation_id", flat=True)
            .first()
        )
        if conversation_id is None:
            raise NotFound("Offer", offer_id)
        conversation = conversation_lock(conversation_id)
        offer = _offer_or_404(offer_id, agent.tenant_id)
        if offer.status != OfferStatus.PENDING:
            raise OfferUnavailable(_unavailable_message(offer))
        interaction = offer.interaction
        offered_to = offer.agent_id
        if offered_to != agent.pk:
            _check_can_pick(agent, interaction)
        # The conditional update is the decisive step: exactly one accept can flip it.
        won = Offer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING).update(
            status=OfferStatus.ACCEPTED, decided_at=moment, agent=agent
        )
        if not won:
            raise OfferUnavailable("This chat was already accepted by another agent.")
        timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
        offer.refresh_from_db()
        interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
        interaction.status = InteractionStatus.WITH_AGENT
        interaction.agent = agent
        interaction.save(update_fields=["status", "agent"])
        Agent.objects.filter(pk=agent.pk).update(last_idle_at=moment)
        participant_join(
            conversation,
            kind=ParticipantType.AGENT,
            participant_id=agent.public_id,
            agent_pk=agent.pk,
            moment=moment,
        )
        conversation.agent = agent
        assignment_set(conversation, AssignmentType.AGENT, agent.public_id)
        conversation_touch(conversation, "agent", "assignment_type", "assignment_id")
        event_record(
            conversation=conversation,
            event_type="MEMBERS_CHANGED",
            data=payloads.members_changed(member_type="agent", change="joined", member_id=agent.public_id),
            moment=moment,
        )
        event_record(
            conversation=conversation,
            event_type="CONVERSATION_UPDATE",
            data=payloads.conversation_update(conversation),
            moment=moment,
        )
        _push_offer(offer, "offer.accepted")
        if offered_to != agent.pk:
            # The offer now names the agent who picked the chat; the agent it was offered to
            # must still learn that it is gone from their desktop.
            broadcast_on_commit([agent_group(offered_to)], "offer.accepted", offer_payload(offer))
        return conversation


def _check_can_pick(agent: Agent, interaction: Interaction) -> None:
    queue = interaction.queue
    if queue is None or not queue.agents.filter(pk=agent.pk).exists():
        raise OfferUnavailable(f"Agent {agent.public_id} is not a member of this chat's queue.")
    locked = Agent.objects.select_for_update().get(pk=agent.pk)
    if locked.status != AgentStatus.AVAILABLE:
        raise OfferUnavailable(f"Agent {agent.public_id} must be available to take a chat.")
    chats = Interaction.objects.filter(agent=locked, status=InteractionStatus.WITH_AGENT).count()
    if chats >= locked.capacity:
        raise OfferUnavailable(f"Agent {agent.public_id} is at capacity ({locked.capacity} chats).")


def _unavailable_message(offer: Offer) -> str:
    if offer.status == OfferStatus.ACCEPTED:
        return "This chat was already accepted by another agent."
    if offer.status == OfferStatus.EXPIRED:
        return "This offer timed out and was offered to another agent."
    if offer.status == OfferStatus.REJECTED:
        return "This offer was already rejected."
    return "This offer was withdrawn: the chat left the queue."


@retry_on_conflict
def offer_reject(*, offer_id: str, agent: Agent) -> None:
    moment = timezone.now()
    with transaction.atomic():
        offer = _offer_or_404(offer_id, agent.tenant_id)
        if offer.status != OfferStatus.PENDING:
            raise OfferUnavailable(_unavailable_message(offer))
        if offer.agent_id != agent.pk:
            raise OfferUnavailable("This offer was made to another agent.")
        offer.status = OfferStatus.REJECTED
        offer.decided_at = moment
        offer.save(update_fields=["status", "decided_at"])
        timer_cancel(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id)
        _push_offer(offer, "offer.rejected")
        routing_dispatch(tenant_id=agent.tenant_id)


@timer_handler(TimerKind.OFFER_TIMEOUT)
def offer_expire(offer_id: str) -> None:
    moment = timezone.now()
    with transaction.atomic():
        offer = _offer_for_update(offer_id)
        if offer is None or offer.status != OfferStatus.PENDING:
            return
        offer.status = OfferStatus.EXPIRED
        offer.decided_at = moment
        offer.save(update_fields=["status", "decided_at"])
        _push_offer(offer, "offer.expired")
        routing_dispatch(tenant_id=offer.agent.tenant_id)


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
                    _push_offer(offer, "offer.withdrawn")
        locked = Agent.objects.select_for_update().get(pk=agent.pk)
        previous = locked.status
        locked.status = status
        fields = ["status"]
        if status == AgentStatus.AVAILABLE and previous != AgentStatus.AVAILABLE:
            locked.last_idle_at = moment
            fields.append("last_idle_at")
        locked.save(update_fields=fields)
        broadcast_on_commit(
            [agent_group(locked.pk), tenant_group(locked.tenant_id)],
            "agent.status",
            {"agentId": locked.public_id, "status": locked.status},
        )
        routing_dispatch(tenant_id=locked.tenant_id)
        return locked
