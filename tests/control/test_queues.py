"""Queues over the control API: list, create, read, change members, delete what nothing holds."""

import json
from typing import Any

import time_machine
from pytest_django import DjangoAssertNumQueries

from conversations.events.cursor import events_sequence
from conversations.models import AgentStatus, Offer, OfferStatus, Queue
from conversations.services.lifecycle import conversation_create
from tests.api.conftest import GatewayClient, problem
from tests.factories import ScriptFactory, World, world_create

URL = "/sandbox/v1/queues"
CREATED = "2026-03-02T10:00:00.000Z"


def _body(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return json.loads(response.content)


def _queue_json(
    queue: Queue, *, members: list[dict[str, str]], waiting: int = 0, active: int = 0
) -> dict[str, Any]:
    return {
        "publicId": queue.public_id,
        "name": queue.name,
        "agentIds": [member["publicId"] for member in members],
        "members": members,
        "waiting": waiting,
        "active": active,
        "createdAt": queue.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def test_it_lists_queues_with_members_and_waiting_chats(
    world: World, control: GatewayClient, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    world.agent(public_id="agent-anna", name="Anna", status=AgentStatus.AWAY)
    conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})
    events_sequence(world.tenant.id)  # the new events take their cursors on the first read
    # key and tenant, queues with counts, their members, the cursor (unnumbered events?, value)
    with django_assert_num_queries(5):
        response = control.get(URL)
    anna_ref = {"publicId": "agent-anna", "name": "Anna", "status": "away"}
    assert _body(response) == {
        "queues": [
            _queue_json(world.sales, members=[anna_ref], waiting=1),
            _queue_json(world.support, members=[]),
        ]
    }


def test_it_creates_a_queue_with_the_next_free_number(world: World, control: GatewayClient) -> None:
    world.agent(public_id="agent-anna", name="Anna")
    with time_machine.travel(CREATED, tick=False):
        response = control.post(URL, {"name": " Billing ", "agentIds": ["agent-anna"]})
    body = _body(response, 201)
    taken = sorted(int(q.public_id) for q in (world.sales, world.support))
    assert body == {
        "publicId": str(taken[-1] + 1),
        "name": "Billing",
        "agentIds": ["agent-anna"],
        "members": [{"publicId": "agent-anna", "name": "Anna", "status": "available"}],
        "waiting": 0,
        "active": 0,
        "createdAt": CREATED,
    }
    queue = Queue.objects.get(tenant=world.tenant, public_id=body["publicId"])
    assert list(queue.agents.values_list("public_id", flat=True)) == ["agent-anna"]


def test_it_creates_a_queue_with_a_given_id_once(world: World, control: GatewayClient) -> None:
    assert _body(control.post(URL, {"publicId": "900", "name": "VIP"}), 201)["publicId"] == "900"
    again = control.post(URL, {"publicId": "900", "name": "VIP again"})
    assert again.status_code == 400
    assert problem(again)["detail"] == "Queue ID 900 already exists."
    assert Queue.objects.filter(tenant=world.tenant, public_id="900").count() == 1


def test_it_names_missing_and_unknown_fields(world: World, control: GatewayClient) -> None:
    missing = control.post(URL, {"agentIds": []})
    assert missing.status_code == 400
    assert problem(missing)["errors"] == [
        {"code": "invalid_json_object", "message": "name: This field is required."}
    ]
    unknown = control.post(URL, {"name": "X", "agentIds": ["agent-nobody"]})
    assert unknown.status_code == 400
    assert problem(unknown)["detail"] == "Agent ID agent-nobody is invalid."
    assert not Queue.objects.filter(name="X").exists()


def test_it_reads_a_queue_by_its_public_id_in_the_tenant_only(world: World, control: GatewayClient) -> None:
    body = _body(control.get(f"{URL}/{world.sales.public_id}"))
    assert body == _queue_json(world.sales, members=[])
    other = world_create()
    foreign = GatewayClient(other.api_key.key).get(f"{URL}/{world.sales.public_id}")
    assert foreign.status_code == 404
    missing = control.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert problem(missing)["detail"] == "Entity of type Queue with id nope was not found."


def test_new_members_are_offered_its_waiting_chats_and_members_removed_lose_them(
    world: World, control: GatewayClient
) -> None:
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})
    anna = world.agent(public_id="agent-anna", name="Anna", queues=[world.support])
    body = _body(
        control.patch(f"{URL}/{world.sales.public_id}", {"name": "Sales EU", "agentIds": ["agent-anna"]})
    )
    assert body["name"] == "Sales EU"
    assert body["agentIds"] == ["agent-anna"]
    offer = Offer.objects.pending().get()
    assert (offer.agent_id, offer.interaction.conversation_id) == (anna.pk, conversation.id)
    assert _body(control.patch(f"{URL}/{world.sales.public_id}", {"agentIds": []}))["agentIds"] == []
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CANCELLED
    assert not Offer.objects.pending().exists()


def test_it_deletes_a_queue_nothing_routes_to(world: World, control: GatewayClient) -> None:
    response = control.delete(f"{URL}/{world.support.public_id}")
    assert response.status_code == 204
    assert not Queue.objects.filter(pk=world.support.pk).exists()
    assert control.delete(f"{URL}/{world.support.public_id}").status_code == 404


def test_a_queue_with_waiting_chats_or_a_channel_is_not_deleted(world: World, control: GatewayClient) -> None:
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})
    response = control.delete(f"{URL}/{world.sales.public_id}")
    assert response.status_code == 409
    assert problem(response) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": (
            f"Queue {world.sales.public_id} is still in use: 1 waiting chat(s) ({conversation.id}); "
            f"channel(s) routing to it ({world.channel.id})."
        ),
        "errors": [
            {
                "code": "resource_in_use",
                "message": (
                    f"Queue {world.sales.public_id} is still in use: 1 waiting chat(s) ({conversation.id}); "
                    f"channel(s) routing to it ({world.channel.id})."
                ),
            }
        ],
    }
    assert Queue.objects.filter(pk=world.sales.pk).exists()


def test_a_queue_a_script_routes_to_is_not_deleted(world: World, control: GatewayClient) -> None:
    ScriptFactory(
        tenant=world.tenant,
        public_id="menu",
        definition={"options": [{"title": "Help", "queue": world.support.public_id}]},
    )
    response = control.delete(f"{URL}/{world.support.public_id}")
    assert response.status_code == 409
    assert problem(response)["detail"].endswith("script(s) routing to it (menu).")
