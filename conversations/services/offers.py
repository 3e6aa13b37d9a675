"""An agent's answer to an offer: accept (or pick a waiting chat), reject, or let it time out."""

from django.db import transaction
from django.utils import timezone

from conversations.events import builders, desk
from conversations.events.outbox import event_record
from conversations.models import (
    Agent,
    AgentStatus,
    AssignmentType,
    Conversation,
    Interaction,
    InteractionStatus,
    Offer,
    OfferStatus,
    ParticipantType,
    TimerKind,
)
from conversations.services.locking import conversation_lock
from conversations.services.participants import participant_join
from conversations.services.routing import offer_create, routing_dispatch
from conversations.services.timers import timer_cancel
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import NotFound, OfferUnavailable


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
        conversation.assign(AssignmentType.AGENT, agent.public_id)
        conversation.touch("agent", "assignment_type", "assignment_id")
        event_record(
            conversation=conversation,
            event=builders.members_changed(member_type="agent", change="joined", member_id=agent.public_id),
            moment=moment,
        )
        event_record(
            conversation=conversation,
            event=builders.conversation_update(conversation),
            moment=moment,
        )
        desk.push_offer(offer, "offer.accepted")
        if offered_to != agent.pk:
            # The offer now names the agent who picked the chat; the agent it was offered to
            # must still learn that it is gone from their desktop.
            desk.push_offer_taken(offer, offered_to=offered_to)
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
        desk.push_offer(offer, "offer.rejected")
        routing_dispatch(tenant_id=agent.tenant_id)


def offer_expire(offer_id: str) -> None:
    moment = timezone.now()
    with transaction.atomic():
        offer = _offer_for_update(offer_id)
        if offer is None or offer.status != OfferStatus.PENDING:
            return
        offer.status = OfferStatus.EXPIRED
        offer.decided_at = moment
        offer.save(update_fields=["status", "decided_at"])
        desk.push_offer(offer, "offer.expired")
        routing_dispatch(tenant_id=offer.agent.tenant_id)


def offer_pending_for(agent: Agent, *, conversation_id: str = "") -> Offer:
    """The one offer the agent has pending (for `conversation_id`, if given).

    None is `OfferUnavailable`, and so are several: the caller must then name one.
    """
    offers = (
        Offer.objects.pending()
        .filter(agent=agent)
        .select_related("interaction__conversation", "interaction__queue", "agent")
        .order_by("created_at")
    )
    if conversation_id:
        offers = offers.filter(interaction__conversation_id=conversation_id.strip())
    found = list(offers)
    where = f" for conversation {conversation_id.strip()}" if conversation_id else ""
    if not found:
        raise OfferUnavailable(
            f"Agent {agent.public_id} has no pending offer{where}.", code="no_pending_offer"
        )
    if len(found) > 1:
        listed = ", ".join(
            f"{offer.id} (conversation {offer.interaction.conversation_id})" for offer in found
        )
        raise OfferUnavailable(
            f"Agent {agent.public_id} has {len(found)} pending offers; name one of them: {listed}.",
            code="several_pending_offers",
        )
    return found[0]


@retry_on_conflict
def conversation_pick(*, agent: Agent, conversation_id: str) -> Conversation:
    """The agent takes a chat waiting in one of their queues, offered to anyone or to no one yet.

    A pending offer of the chat is accepted (as `offer_accept` lets any free member pick it);
    a chat nobody was offered (every member busy or away when it arrived) is offered to the
    agent and accepted in the same transaction, so no other agent sees the offer.
    """
    with transaction.atomic():
        exists = Conversation.objects.filter(pk=conversation_id.strip(), tenant_id=agent.tenant_id).exists()
        if not exists:
            raise NotFound("Conversation", conversation_id)
        conversation = conversation_lock(conversation_id.strip())
        interaction = conversation.interactions.open().select_related("queue").first()
        if interaction is None or interaction.status != InteractionStatus.QUEUED:
            raise OfferUnavailable(f"Conversation {conversation.id} is not waiting in a queue.")
        offer = Offer.objects.pending().filter(interaction=interaction).first()
        if offer is None:
            _check_can_pick(agent, interaction)
            offer = offer_create(interaction=interaction, agent=agent, moment=timezone.now())
        return offer_accept(offer_id=offer.id, agent=agent)
