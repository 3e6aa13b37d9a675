"""Routing: who gets offered a queued chat, and what happens on reject and timeout."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import AgentStatus, Offer, OfferStatus
from conversations.services.agents import agent_set_status
from conversations.services.clock import timers_fire_due
from conversations.services.lifecycle import conversation_create, conversation_end_by_agent
from conversations.services.offers import offer_accept, offer_reject
from gateway_sim.domain_errors import OfferUnavailable
from tests.factories import World


def create(world: World, language: str = "en"):  # type: ignore[no-untyped-def]
    return conversation_create(
        tenant=world.tenant,
        channel_id=world.channel.id,
        user={"name": "Kim", "language": language},
        assignment={"type": "queue", "id": world.sales.public_id},
    )


def pending_offer(conversation) -> Offer:  # type: ignore[no-untyped-def]
    return Offer.objects.get(interaction__conversation=conversation, status=OfferStatus.PENDING)


def test_it_prefers_an_agent_who_speaks_the_users_language(world: World) -> None:
    world.agent(languages=["en"], last_idle_at=timezone.now() - timedelta(hours=1))
    german = world.agent(languages=["de", "en"], last_idle_at=timezone.now())

    conversation = create(world, language="de")

    assert pending_offer(conversation).agent == german


def test_it_prefers_the_longest_idle_agent(world: World) -> None:
    world.agent(last_idle_at=timezone.now() - timedelta(minutes=1))
    longest = world.agent(last_idle_at=timezone.now() - timedelta(minutes=30))

    conversation = create(world)

    assert pending_offer(conversation).agent == longest


def test_it_respects_agent_capacity(world: World) -> None:
    agent = world.agent(capacity=1)
    first = create(world)
    offer_accept(offer_id=pending_offer(first).id, agent=agent)

    second = create(world)

    assert not Offer.objects.filter(interaction__conversation=second).exists()
    conversation_end_by_agent(conversation=first, agent=agent)
    assert pending_offer(second).agent == agent


def test_a_pending_offer_counts_against_capacity(world: World) -> None:
    agent = world.agent(capacity=1)
    create(world)

    second = create(world)

    assert not Offer.objects.filter(interaction__conversation=second, agent=agent).exists()


def test_a_rejected_offer_goes_to_the_next_agent(world: World) -> None:
    first = world.agent(last_idle_at=timezone.now() - timedelta(minutes=10))
    second = world.agent(last_idle_at=timezone.now())
    conversation = create(world)
    assert pending_offer(conversation).agent == first

    offer_reject(offer_id=pending_offer(conversation).id, agent=first)

    assert pending_offer(conversation).agent == second


def test_a_timed_out_offer_goes_to_the_next_agent(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANDBOX_OFFER_TIMEOUT_SECONDS = 20
    first = world.agent(last_idle_at=timezone.now() - timedelta(minutes=10))
    second = world.agent(last_idle_at=timezone.now())
    conversation = create(world)
    offer = pending_offer(conversation)

    with time_machine.travel(timezone.now() + timedelta(seconds=19)):
        assert timers_fire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=21)):
        assert timers_fire_due() == 1

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert offer.agent == first
    assert pending_offer(conversation).agent == second


def test_the_only_agent_is_offered_again_after_rejecting(world: World) -> None:
    agent = world.agent()
    conversation = create(world)

    offer_reject(offer_id=pending_offer(conversation).id, agent=agent)

    assert pending_offer(conversation).agent == agent
    assert Offer.objects.filter(interaction__conversation=conversation).count() == 2


def test_a_chat_waits_until_an_agent_becomes_available(world: World) -> None:
    agent = world.agent(status=AgentStatus.OFFLINE)
    conversation = create(world)
    assert not Offer.objects.filter(interaction__conversation=conversation).exists()

    agent_set_status(agent=agent, status=AgentStatus.AVAILABLE)

    assert pending_offer(conversation).agent == agent


def test_going_away_withdraws_pending_offers_and_reoffers(world: World) -> None:
    first = world.agent(last_idle_at=timezone.now() - timedelta(minutes=10))
    second = world.agent()
    conversation = create(world)
    offer = pending_offer(conversation)

    agent_set_status(agent=first, status=AgentStatus.AWAY)

    offer.refresh_from_db()
    assert offer.status == OfferStatus.CANCELLED
    assert pending_offer(conversation).agent == second


def test_accepting_a_taken_offer_says_so(world: World) -> None:
    first = world.agent(last_idle_at=timezone.now() - timedelta(minutes=10))
    second = world.agent()
    conversation = create(world)
    offer = pending_offer(conversation)
    offer_accept(offer_id=offer.id, agent=second)

    with pytest.raises(OfferUnavailable, match="already accepted by another agent"):
        offer_accept(offer_id=offer.id, agent=first)


def test_an_agent_outside_the_queue_cannot_take_the_chat(world: World) -> None:
    world.agent()
    outsider = world.agent(queues=[world.support])
    conversation = create(world)

    with pytest.raises(OfferUnavailable, match="not a member"):
        offer_accept(offer_id=pending_offer(conversation).id, agent=outsider)


def test_offers_never_cross_queues(world: World) -> None:
    world.agent(queues=[world.support])

    conversation = create(world)

    assert not Offer.objects.filter(interaction__conversation=conversation).exists()


def queries_to_create_one_more(world: World) -> int:
    with CaptureQueriesContext(connection) as queries:
        create(world)
    return len(queries)


def test_a_new_chat_costs_the_same_however_many_wait_before_it(world: World) -> None:
    """Every arrival dispatches; with all agents busy that must not look at each waiting chat."""
    busy = world.agent(capacity=1)
    offer_accept(offer_id=pending_offer(create(world)).id, agent=busy)
    world.agent(status=AgentStatus.AWAY)
    create(world)
    with_one_waiting = queries_to_create_one_more(world)

    for _ in range(10):
        create(world)

    assert queries_to_create_one_more(world) == with_one_waiting


def test_freed_slots_go_to_the_longest_waiting_chats_of_queues_with_room(world: World) -> None:
    sales_agent = world.agent(capacity=2, status=AgentStatus.OFFLINE)
    world.agent(queues=[world.support], status=AgentStatus.OFFLINE)
    waiting = [create(world) for _ in range(4)]

    agent_set_status(agent=sales_agent, status=AgentStatus.AVAILABLE)

    offered = Offer.objects.filter(status=OfferStatus.PENDING)
    assert sorted(offer.interaction.conversation_id for offer in offered) == sorted(c.id for c in waiting[:2])
    assert {offer.agent for offer in offered} == {sales_agent}
