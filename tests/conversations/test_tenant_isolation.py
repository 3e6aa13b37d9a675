"""Tenants are isolated at the service level: ids of another tenant do not resolve."""

import pytest

from conversations.models import Offer
from conversations.services.channels import channel_resolve
from conversations.services.lifecycle import conversation_create
from conversations.services.locking import conversation_lock
from conversations.services.offers import offer_accept
from conversations.services.queues import queue_resolve
from gateway_sim.domain_errors import InvalidReference, NotFound, OfferUnavailable
from tests.factories import World, world_create


@pytest.fixture
def other(db: None) -> World:
    return world_create()


def test_a_channel_of_another_tenant_is_invalid(world: World, other: World) -> None:
    with pytest.raises(InvalidReference, match="Channel ID"):
        channel_resolve(world.tenant, other.channel.id)


def test_a_queue_of_another_tenant_is_invalid(world: World, other: World) -> None:
    with pytest.raises(InvalidReference, match="Queue ID"):
        queue_resolve(world.tenant, other.sales.public_id + "-x")
    # Same public id in two tenants resolves to each tenant's own queue.
    other_queue = other.sales
    other_queue.public_id = world.sales.public_id
    other_queue.save()
    assert queue_resolve(world.tenant, world.sales.public_id) == world.sales
    assert queue_resolve(other.tenant, world.sales.public_id) == other_queue


def test_a_conversation_of_another_tenant_is_not_found(world: World, other: World) -> None:
    conversation = conversation_create(tenant=other.tenant, channel_id=other.channel.id, user={})

    with pytest.raises(NotFound):
        conversation_lock(conversation.id, tenant_id=world.tenant.id)


def test_an_agent_cannot_accept_another_tenants_offer(world: World, other: World) -> None:
    other.agent()
    intruder = world.agent()
    conversation = conversation_create(tenant=other.tenant, channel_id=other.channel.id, user={})
    offer = Offer.objects.get(interaction__conversation=conversation)

    with pytest.raises((NotFound, OfferUnavailable)):
        offer_accept(offer_id=offer.id, agent=intruder)


def test_routing_never_offers_across_tenants(world: World, other: World) -> None:
    world.agent()
    conversation = conversation_create(tenant=other.tenant, channel_id=other.channel.id, user={})

    assert not Offer.objects.filter(interaction__conversation=conversation).exists()


def test_events_carry_their_own_tenant(world: World, other: World) -> None:
    mine = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={})
    theirs = conversation_create(tenant=other.tenant, channel_id=other.channel.id, user={})

    assert set(mine.events.values_list("tenant_id", flat=True)) == {world.tenant.id}
    assert set(theirs.events.values_list("tenant_id", flat=True)) == {other.tenant.id}
    assert all(d.webhook.tenant_id == world.tenant.id for e in mine.events.all() for d in e.deliveries.all())
