"""Agents the desktop creates, and closing a chat after its wrap-up."""

from unittest import mock

import pytest
from django.utils import timezone

from conversations.groups import agent_group, tenant_group
from conversations.models import Agent, AgentStatus, OfferStatus, Participant
from conversations.services.agents import agent_chat_close, agent_create
from conversations.services.lifecycle import conversation_create, conversation_end_by_agent
from conversations.services.offers import offer_accept
from gateway_sim.domain_errors import AlreadyExists, InvalidReference, InvalidTransition, NotFound
from tests.factories import World

USER = {"name": "James Jones", "language": "en"}


def pushes(sent: mock.MagicMock) -> list[tuple[str, str, dict[str, object]]]:
    return [(call.args[0], call.args[1]["kind"], call.args[1]["payload"]) for call in sent.call_args_list]


def test_it_creates_an_agent_in_the_given_queues_with_an_id_made_from_the_name(world: World) -> None:
    agent = agent_create(
        tenant=world.tenant, name=" Zoë Novak ", queue_ids=[world.sales.public_id, world.support.public_id]
    )

    assert agent.public_id == "agent-zoe-novak"
    assert agent.name == "Zoë Novak"
    assert agent.languages == ["en"]
    assert agent.status == AgentStatus.OFFLINE
    assert set(agent.queues.all()) == {world.sales, world.support}


def test_it_numbers_the_made_up_id_when_the_name_is_taken(world: World) -> None:
    agent_create(tenant=world.tenant, name="Sam Lee", queue_ids=[world.sales.public_id])

    second = agent_create(tenant=world.tenant, name="Sam Lee", queue_ids=[world.sales.public_id])

    assert second.public_id == "agent-sam-lee-2"


def test_it_keeps_an_explicit_id_and_languages(world: World) -> None:
    agent = agent_create(
        tenant=world.tenant,
        name="Ana",
        public_id=" ana-1 ",
        languages=["pt", " es", ""],
        queue_ids=[world.sales.public_id],
    )

    assert (agent.public_id, agent.languages) == ("ana-1", ["pt", "es"])


def test_it_refuses_an_id_that_exists(world: World) -> None:
    existing = world.agent()

    with pytest.raises(AlreadyExists) as error:
        agent_create(
            tenant=world.tenant, name="Other", public_id=existing.public_id, queue_ids=[world.sales.public_id]
        )

    assert error.value.message == f"Agent ID {existing.public_id} already exists."
    assert Agent.objects.filter(tenant=world.tenant).count() == 1


@pytest.mark.parametrize(
    ("name", "queues", "message"),
    [
        ("", ["SALES"], "name is required."),
        ("x" * 257, ["SALES"], "name must be at most 256 characters."),
        ("Ann", [], "An agent needs at least one queue."),
        ("Ann", ["999"], "Queue ID 999 is invalid."),
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(
    world: World, name: str, queues: list[str], message: str
) -> None:
    queue_ids = [world.sales.public_id if q == "SALES" else q for q in queues]

    with pytest.raises(InvalidReference) as error:
        agent_create(tenant=world.tenant, name=name, queue_ids=queue_ids)

    assert error.value.message == message
    assert not Agent.objects.filter(tenant=world.tenant).exists()


def test_an_available_new_agent_is_offered_a_waiting_chat(world: World) -> None:
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user=dict(USER))

    agent = agent_create(
        tenant=world.tenant, name="Fresh", queue_ids=[world.sales.public_id], status=AgentStatus.AVAILABLE
    )

    offer = conversation.interactions.get().offers.get()
    assert (offer.agent, offer.status) == (agent, OfferStatus.PENDING)


@pytest.mark.django_db(transaction=True)
def test_creating_an_agent_tells_the_tenants_desktops(world: World) -> None:
    with mock.patch("gateway_sim.broadcast._send") as sent:
        agent = agent_create(tenant=world.tenant, name="Fresh", queue_ids=[world.sales.public_id])

    assert pushes(sent) == [
        (tenant_group(world.tenant.id), "agent.status", {"agentId": agent.public_id, "status": "offline"})
    ]


def accepted_chat(world: World) -> tuple[Agent, str]:
    agent = world.agent()
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user=dict(USER))
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    return agent, conversation.id


def test_closing_a_chat_that_is_still_open_is_refused(world: World) -> None:
    agent, conversation_id = accepted_chat(world)

    with pytest.raises(InvalidTransition) as error:
        agent_chat_close(agent=agent, conversation_id=conversation_id)

    assert (error.value.code, error.value.message) == (
        "chat_open",
        "This chat is still open: end or transfer it before closing it.",
    )


def test_closing_a_chat_the_agent_never_had_is_not_found(world: World) -> None:
    agent = world.agent()

    with pytest.raises(NotFound):
        agent_chat_close(agent=agent, conversation_id="nope")


@pytest.mark.django_db(transaction=True)
def test_closing_an_ended_chat_finishes_its_wrap_up_and_tells_the_agents_desktops(world: World) -> None:
    agent, conversation_id = accepted_chat(world)
    conversation_end_by_agent(conversation=agent.tenant.conversations.get(), agent=agent)

    with mock.patch("gateway_sim.broadcast._send") as sent:
        participant = agent_chat_close(agent=agent, conversation_id=conversation_id)

    assert participant.wrapped_up_at is not None
    assert participant.wrapped_up_at <= timezone.now()
    assert Participant.objects.get(pk=participant.pk).wrapped_up_at == participant.wrapped_up_at
    assert pushes(sent) == [
        (
            agent_group(agent.pk),
            "chat.closed",
            {"conversationId": conversation_id, "agentId": agent.public_id},
        )
    ]
