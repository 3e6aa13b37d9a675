"""Agents over the control API: list, create, change, delete, status, their offers and chats."""

import json
from typing import Any

import time_machine
from pytest_django import DjangoAssertNumQueries

from conversations.events.cursor import events_sequence
from conversations.models import Agent, AgentStatus, Conversation, Offer, OfferStatus
from conversations.services.agents import agent_chat_close
from conversations.services.lifecycle import conversation_create, conversation_end_by_agent
from conversations.services.offers import offer_accept
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create

URL = "/sandbox/v1/agents"
CREATED = "2026-03-02T10:00:00.000Z"


def _body(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return json.loads(response.content)


def _start(world: World, name: str = "Ada") -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": name})


def test_it_creates_an_agent(world: World, control: GatewayClient) -> None:
    with time_machine.travel(CREATED, tick=False):
        response = control.post(
            URL,
            {
                "name": "Anna Berg",
                "languages": ["en", "sv"],
                "capacity": 2,
                "queueIds": [world.sales.public_id, world.support.public_id],
            },
        )
    assert _body(response, 201) == {
        "publicId": "agent-anna-berg",
        "name": "Anna Berg",
        "status": "offline",
        "languages": ["en", "sv"],
        "capacity": 2,
        "queueIds": sorted([world.sales.public_id, world.support.public_id]),
        "chats": 0,
        "pendingOffers": 0,
        "createdAt": CREATED,
    }
    agent = Agent.objects.get(tenant=world.tenant, public_id="agent-anna-berg")
    assert (agent.capacity, agent.status, agent.languages) == (2, "offline", ["en", "sv"])


def test_an_agent_created_available_is_offered_a_waiting_chat(world: World, control: GatewayClient) -> None:
    conversation = _start(world)
    body = _body(
        control.post(
            URL,
            {
                "name": "Bo",
                "publicId": "agent-bo",
                "queueIds": [world.sales.public_id],
                "status": "available",
            },
        ),
        201,
    )
    assert (body["publicId"], body["pendingOffers"]) == ("agent-bo", 1)
    assert Offer.objects.pending().get().interaction.conversation_id == conversation.id


def test_it_names_missing_and_bad_fields(world: World, control: GatewayClient) -> None:
    response = control.post(URL, {"status": "sleeping"})
    assert response.status_code == 400
    messages = [error["message"] for error in problem(response)["errors"]]
    assert messages == [
        "name: This field is required.",
        "queueIds: This field is required.",
        'status: "sleeping" is not a valid choice.',
    ]
    unknown = control.post(URL, {"name": "Bo", "queueIds": ["999"]})
    assert problem(unknown)["detail"] == "Queue ID 999 is invalid."
    assert control.post(URL, {"name": "Bo", "queueIds": ["100"], "capacity": 0}).status_code == 400
    assert not Agent.objects.filter(name="Bo").exists()


def test_it_lists_agents_in_few_queries(
    world: World, control: GatewayClient, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    anna = world.agent(public_id="agent-anna", name="Anna", queues=[world.sales, world.support])
    world.agent(public_id="agent-bo", name="Bo", status=AgentStatus.OFFLINE)
    _start(world)
    events_sequence(world.tenant.id)
    # key and tenant, agents with counts, their queues, the cursor (unnumbered events?, value)
    with django_assert_num_queries(5):
        body = _body(control.get(URL))
    assert [(a["publicId"], a["status"], a["pendingOffers"]) for a in body["agents"]] == [
        ("agent-anna", "available", 1),
        ("agent-bo", "offline", 0),
    ]
    assert body["agents"][0]["queueIds"] == sorted([world.sales.public_id, world.support.public_id])
    assert anna.offers.count() == 1


def test_another_tenants_agent_is_not_found(world: World, control: GatewayClient) -> None:
    world.agent(public_id="agent-anna", name="Anna")
    other = GatewayClient(world_create().api_key.key)
    for response in (
        other.get(f"{URL}/agent-anna"),
        other.patch(f"{URL}/agent-anna", {"name": "Eve"}),
        other.put(f"{URL}/agent-anna/status", {"status": "offline"}),
        other.delete(f"{URL}/agent-anna"),
    ):
        assert response.status_code == 404
        assert problem(response)["detail"] == "Entity of type Agent with id agent-anna was not found."
    assert Agent.objects.get(public_id="agent-anna").name == "Anna"


def test_it_changes_an_agent_and_withdraws_offers_of_a_queue_left(
    world: World, control: GatewayClient
) -> None:
    anna = world.agent(public_id="agent-anna", name="Anna")
    _start(world)
    offer = Offer.objects.pending().get(agent=anna)
    body = _body(
        control.patch(
            f"{URL}/agent-anna",
            {"name": "Anna B", "languages": ["de"], "capacity": 5, "queueIds": [world.support.public_id]},
        )
    )
    assert (body["name"], body["languages"], body["capacity"], body["queueIds"]) == (
        "Anna B",
        ["de"],
        5,
        [world.support.public_id],
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CANCELLED
    assert body["pendingOffers"] == 0


def test_setting_available_offers_waiting_chats_at_once(world: World, control: GatewayClient) -> None:
    world.agent(public_id="agent-anna", name="Anna", status=AgentStatus.AWAY)
    conversation = _start(world)
    body = _body(control.put(f"{URL}/agent-anna/status", {"status": "available"}))
    assert (body["status"], body["pendingOffers"]) == ("available", 1)
    offers = _body(control.get(f"{URL}/agent-anna/offers"))["offers"]
    offer = Offer.objects.get()
    assert offers == [
        {
            "offerId": offer.id,
            "conversationId": conversation.id,
            "queue": {"publicId": world.sales.public_id, "name": "Sales"},
            "displayName": "Ada",
            "createdAt": offer.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "expiresAt": offer.expires_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
    ]
    busy = _body(control.put(f"{URL}/agent-anna/status", {"status": "busy"}))
    assert (busy["status"], busy["pendingOffers"]) == ("busy", 0)
    bad = control.put(f"{URL}/agent-anna/status", {})
    assert problem(bad)["errors"][0]["message"] == "status: This field is required."


def test_it_lists_chats_handled_and_in_wrap_up(world: World, control: GatewayClient) -> None:
    anna = world.agent(public_id="agent-anna", name="Anna")
    first, second, closed = _start(world, "Ada"), _start(world, "Bea"), _start(world, "Cy")
    for conversation in (first, second, closed):
        offer_accept(
            offer_id=Offer.objects.pending().get(interaction__conversation=conversation).id, agent=anna
        )
    conversation_end_by_agent(conversation=second, agent=anna)
    conversation_end_by_agent(conversation=closed, agent=anna)
    agent_chat_close(agent=anna, conversation_id=closed.id)
    chats = _body(control.get(f"{URL}/agent-anna/chats"))["chats"]
    assert [(c["conversationId"], c["state"], c["displayName"], c["wrapUp"]) for c in chats] == [
        (first.id, "active", "Ada", False),
        (second.id, "idle", "Bea", True),
    ]
    assert chats[0]["leftAt"] is None
    assert chats[1]["leftAt"] is not None


def test_an_agent_handling_chats_is_not_deleted(world: World, control: GatewayClient) -> None:
    anna = world.agent(public_id="agent-anna", name="Anna")
    conversation = _start(world)
    offer_accept(offer_id=Offer.objects.pending().get().id, agent=anna)
    response = control.delete(f"{URL}/agent-anna")
    assert response.status_code == 409
    assert problem(response)["detail"] == (
        f"Agent agent-anna is still handling 1 chat(s) ({conversation.id}): end or transfer them first."
    )
    anna.refresh_from_db()
    assert anna.status == AgentStatus.AVAILABLE


def test_deleting_an_agent_hands_their_offers_to_another(world: World, control: GatewayClient) -> None:
    anna = world.agent(public_id="agent-anna", name="Anna")
    conversation = _start(world)
    assert Offer.objects.pending().get().agent_id == anna.pk
    bo = world.agent(public_id="agent-bo", name="Bo")
    assert control.delete(f"{URL}/agent-anna").status_code == 204
    assert not Agent.objects.filter(public_id="agent-anna").exists()
    offer = Offer.objects.pending().get()
    assert (offer.agent_id, offer.interaction.conversation_id) == (bo.pk, conversation.id)


def test_the_schema_documents_every_queue_and_agent_operation(client: Any) -> None:
    schema = json.loads(client.get("/api/sandbox-v1.oas.json").content)
    operations = {
        op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op
    }
    assert {
        "queues_list",
        "queues_create",
        "queues_read",
        "queues_update",
        "queues_delete",
        "agents_list",
        "agents_create",
        "agents_read",
        "agents_update",
        "agents_delete",
        "agents_status_set",
        "agents_offers_list",
        "agents_chats_list",
        "agents_accept",
        "agents_reject",
        "agents_messages_send",
        "agents_typing",
        "agents_transfer",
        "agents_end",
        "agents_close",
    } <= operations
    assert (
        "multipart/form-data"
        in schema["paths"]["/sandbox/v1/agents/{agent_id}/messages/"]["post"]["requestBody"]["content"]
    )
