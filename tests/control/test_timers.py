"""Timers: the tenant's pending timeouts, and firing them now instead of waiting."""

import json
from typing import Any

import pytest
from django.http import HttpResponse

from conversations.api.gateway.base import iso_timestamp
from conversations.models import Agent, Conversation, ConversationState, Offer, OfferStatus, Timer
from conversations.services.lifecycle import conversation_end_by_agent
from conversations.services.offers import offer_accept
from conversations.services.post_agent import post_agent_assignment_create
from tests.api.conftest import GatewayClient, problem
from tests.factories import WebhookFactory, World, world_create
from tests.webhooks.support import start_conversation

pytestmark = pytest.mark.django_db


def body(response: HttpResponse) -> Any:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def offered(world: World) -> tuple[Conversation, Offer]:
    conversation = start_conversation(world)
    return conversation, Offer.objects.get(interaction__conversation=conversation, status=OfferStatus.PENDING)


def handed_to_a_bot(world: World, **minutes: int) -> Conversation:
    """A conversation the agent has left, now with the post-agent bot webhook."""
    agent = world.agent(name="Anna")
    conversation, offer = offered(world)
    offer_accept(offer_id=offer.id, agent=agent)
    post_agent_assignment_create(
        conversation=conversation, webhook_id=WebhookFactory(tenant=world.tenant).id, **minutes
    )
    conversation_end_by_agent(conversation=conversation, agent=Agent.objects.get(pk=agent.pk))
    return Conversation.objects.get(pk=conversation.pk)


def test_it_lists_the_pending_timers_with_what_they_are_for(world: World, control: GatewayClient) -> None:
    agent = world.agent(public_id="agent-anna")
    conversation, offer = offered(world)
    other = world_create()
    other.agent()
    offered(other)

    listed = body(control.get("/sandbox/v1/timers"))

    assert listed == {
        "timers": [
            {
                "kind": "offer_timeout",
                "ref": offer.id,
                "dueAt": iso_timestamp(offer.expires_at),
                "conversationId": conversation.id,
                "offerId": offer.id,
                "agentId": agent.public_id,
                "for": f"offer timeout of offer {offer.id} to agent-anna in conversation {conversation.id}",
            }
        ]
    }


def test_an_offer_timeout_fired_now_offers_the_chat_to_the_next_agent(
    world: World, control: GatewayClient
) -> None:
    first = world.agent(name="First")
    second = world.agent(name="Second")
    conversation, offer = offered(world)
    assert offer.agent == first

    fired = body(control.post("/sandbox/v1/timers/fire", {"withinSeconds": 60}))

    assert fired["fired"] == 1
    assert [timer["offerId"] for timer in fired["timers"]] == [offer.id]
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED
    again = Offer.objects.get(interaction__conversation=conversation, status=OfferStatus.PENDING)
    assert again.agent == second
    # The new offer's own timeout waits: one call never fires what it scheduled.
    [pending] = body(control.get("/sandbox/v1/timers"))["timers"]
    assert pending["offerId"] == again.id


def test_by_default_only_timers_already_due_fire(world: World, control: GatewayClient) -> None:
    world.agent()
    _, offer = offered(world)

    assert body(control.post("/sandbox/v1/timers/fire")) == {"fired": 0, "timers": []}
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.PENDING


def test_a_fifteen_minute_post_agent_user_timeout_ends_the_conversation_at_once(
    world: World, control: GatewayClient
) -> None:
    conversation = handed_to_a_bot(world, user_timeout_minutes=15)
    assert conversation.state == ConversationState.ACTIVE
    [timer] = body(control.get("/sandbox/v1/timers"))["timers"]
    assert timer["for"] == f"post-agent userTimeoutInMinutes of conversation {conversation.id}"

    fired = body(control.post("/sandbox/v1/timers/fire", {"withinSeconds": 15 * 60}))

    assert fired == {"fired": 1, "timers": [timer]}
    assert Conversation.objects.get(pk=conversation.pk).state == ConversationState.IDLE
    assert not Timer.objects.filter(fired_at__isnull=True).exists()


def test_another_tenants_timers_are_untouched(world: World, control: GatewayClient) -> None:
    other = world_create()
    other.agent()
    _, foreign = offered(other)
    world.agent()
    _, own = offered(world)

    fired = body(control.post("/sandbox/v1/timers/fire", {"withinSeconds": 86400}))

    assert [timer["offerId"] for timer in fired["timers"]] == [own.id]
    assert Offer.objects.get(pk=foreign.pk).status == OfferStatus.PENDING
    assert Timer.objects.get(ref=foreign.id).fired_at is None


def test_a_timer_fires_once_however_often_it_is_asked(world: World, control: GatewayClient) -> None:
    handed_to_a_bot(world, user_timeout_minutes=15)

    assert body(control.post("/sandbox/v1/timers/fire", {"withinSeconds": 900}))["fired"] == 1
    assert body(control.post("/sandbox/v1/timers/fire", {"withinSeconds": 900})) == {"fired": 0, "timers": []}


def test_it_refuses_a_window_over_a_day(world: World, control: GatewayClient) -> None:
    response = control.post("/sandbox/v1/timers/fire", {"withinSeconds": 86401})

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {
            "code": "invalid_json_object",
            "message": "withinSeconds: Ensure this value is less than or equal to 86400.",
        }
    ]
