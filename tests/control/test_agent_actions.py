"""Every agent action over the control API, with the events it emits and the desk it updates."""

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import (
    Agent,
    AgentStatus,
    Attachment,
    Conversation,
    InteractionStatus,
    Message,
    Offer,
    OfferStatus,
    Participant,
)
from conversations.services.lifecycle import conversation_create
from tests.api.conftest import GatewayClient, problem
from tests.desk.test_consumer import create_conversation, open_desk
from tests.factories import World, world_create
from tests.helpers import event_summary
from webhooks.models import Event

URL = "/sandbox/v1/agents"


def _body(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return json.loads(response.content)


def _start(world: World, name: str = "Ada") -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": name})


def _events(conversation: Conversation) -> list[tuple[Any, ...]]:
    return [
        event_summary(event.payload)
        for event in Event.objects.filter(conversation=conversation).order_by("sequence")
    ]


@pytest.fixture
def anna(world: World) -> Agent:
    return world.agent(public_id="agent-anna", name="Anna")


def _accepted(world: World, control: GatewayClient, anna: Agent) -> Conversation:
    conversation = _start(world)
    _body(control.post(f"{URL}/agent-anna/accept"))
    return conversation


def test_accepting_the_single_offer_joins_the_agent(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    conversation = _start(world)
    body = _body(control.post(f"{URL}/agent-anna/accept"))
    conversation.refresh_from_db()
    assert body == {
        "id": conversation.id,
        "state": "active",
        "assignment": {"type": "agent", "id": "agent-anna"},
        "agentId": "agent-anna",
        "updatedAt": conversation.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    assert _events(conversation)[-2:] == [
        ("MEMBERS_CHANGED", "agent", "joined", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "agent", "agent-anna"),
    ]
    assert Offer.objects.get().status == OfferStatus.ACCEPTED


def test_accepting_with_no_offer_or_several_is_a_conflict(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    none = control.post(f"{URL}/agent-anna/accept")
    assert none.status_code == 409
    assert problem(none)["errors"] == [
        {"code": "no_pending_offer", "message": "Agent agent-anna has no pending offer."}
    ]
    first, second = _start(world, "Ada"), _start(world, "Bea")
    several = control.post(f"{URL}/agent-anna/accept", {})
    assert several.status_code == 409
    detail = problem(several)["detail"]
    assert detail.startswith("Agent agent-anna has 2 pending offers; name one of them: ")
    assert f"(conversation {first.id})" in detail
    assert f"(conversation {second.id})" in detail
    by_offer = Offer.objects.get(interaction__conversation=second)
    assert _body(control.post(f"{URL}/agent-anna/accept", {"offerId": by_offer.id}))["id"] == second.id


def test_accepting_by_conversation_picks_a_chat_nobody_was_offered(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    anna.status = AgentStatus.AWAY
    anna.save()
    conversation = _start(world)
    assert not Offer.objects.exists()
    refused = control.post(f"{URL}/agent-anna/accept", {"conversationId": conversation.id})
    assert refused.status_code == 409
    assert problem(refused)["detail"] == "Agent agent-anna must be available to take a chat."
    assert not Offer.objects.exists()
    # Available without a dispatch, as between an agent's return and the next routing round.
    Agent.objects.filter(pk=anna.pk).update(status=AgentStatus.AVAILABLE)
    body = _body(control.post(f"{URL}/agent-anna/accept", {"conversationId": conversation.id}))
    assert body["assignment"] == {"type": "agent", "id": "agent-anna"}
    offer = Offer.objects.get()
    assert (offer.agent_id, offer.status) == (anna.pk, OfferStatus.ACCEPTED)


def test_accepting_by_conversation_takes_a_chat_offered_to_another_agent(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    conversation = _start(world)
    bo = world.agent(public_id="agent-bo", name="Bo")
    body = _body(control.post(f"{URL}/agent-bo/accept", {"conversationId": conversation.id}))
    assert body["agentId"] == "agent-bo"
    assert Offer.objects.get().agent_id == bo.pk
    taken = control.post(f"{URL}/agent-anna/accept", {"conversationId": conversation.id})
    assert problem(taken)["detail"] == f"Conversation {conversation.id} is not waiting in a queue."


def test_unknown_and_foreign_ids_are_not_found(world: World, control: GatewayClient, anna: Agent) -> None:
    other = world_create()
    foreign = conversation_create(tenant=other.tenant, channel_id=other.channel.id, user={"name": "Eve"})
    cases = [
        (f"{URL}/agent-nobody/accept", {}, "Entity of type Agent with id agent-nobody was not found."),
        (f"{URL}/agent-anna/accept", {"offerId": "nope"}, "Entity of type Offer with id nope was not found."),
        (
            f"{URL}/agent-anna/accept",
            {"conversationId": foreign.id},
            f"Entity of type Conversation with id {foreign.id} was not found.",
        ),
        (
            f"{URL}/agent-anna/end",
            {"conversationId": foreign.id},
            f"Entity of type Conversation with id {foreign.id} was not found.",
        ),
    ]
    for path, body, detail in cases:
        response = control.post(path, body)
        assert response.status_code == 404, path
        assert problem(response)["detail"] == detail
    assert not Offer.objects.filter(agent=anna).exists()


def test_missing_fields_are_named(world: World, control: GatewayClient, anna: Agent) -> None:
    for action, field in [("end", "conversationId"), ("transfer", "queueId"), ("typing", "typing")]:
        response = control.post(
            f"{URL}/agent-anna/{action}", {"conversationId": "x"} if field != "conversationId" else {}
        )
        assert response.status_code == 400
        assert problem(response)["errors"] == [
            {"code": "invalid_json_object", "message": f"{field}: This field is required."}
        ]


def test_rejecting_offers_the_chat_to_the_next_agent(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    conversation = _start(world)
    bo = world.agent(public_id="agent-bo", name="Bo")
    response = control.post(f"{URL}/agent-anna/reject", {"conversationId": conversation.id})
    assert response.status_code == 204
    assert [(o.agent_id, o.status) for o in Offer.objects.order_by("created_at")] == [
        (anna.pk, OfferStatus.REJECTED),
        (bo.pk, OfferStatus.PENDING),
    ]
    again = control.post(f"{URL}/agent-anna/reject")
    assert problem(again)["errors"][0]["code"] == "no_pending_offer"


def test_an_agent_message_is_a_message_event_from_the_agent(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    conversation = _accepted(world, control, anna)
    body = _body(
        control.post(f"{URL}/agent-anna/messages", {"conversationId": conversation.id, "text": "Hi!"}), 201
    )
    message = Message.objects.get(pk=body["id"])
    assert body == {
        "id": message.id,
        "conversationId": conversation.id,
        "createdAt": message.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "sender": {"id": "agent-anna", "type": "agent"},
        "text": "Hi!",
        "attachments": [],
        "cards": [],
    }
    assert _events(conversation)[-1] == ("MESSAGE", "agent", False, "Hi!")


def test_an_uploaded_file_is_stored_and_sent(world: World, control: GatewayClient, anna: Agent) -> None:
    conversation = _accepted(world, control, anna)
    upload = SimpleUploadedFile("../report.txt", b"numbers", content_type="text/plain")
    response = control.upload(
        f"{URL}/agent-anna/messages", {"conversationId": conversation.id, "text": "Here", "file": upload}
    )
    body = _body(response, 201)
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.author_type, attachment.size_in_bytes) == (
        "report.txt",
        "agent",
        7,
    )
    assert [(a["id"], a["fileName"], a["type"]) for a in body["attachments"]] == [
        (attachment.id, "report.txt", "file")
    ]
    event = Event.objects.filter(conversation=conversation, type="MESSAGE").get()
    assert event.payload["data"]["attachments"][0]["id"] == attachment.id


def test_a_message_to_a_chat_the_agent_does_not_have_is_refused(
    world: World, control: GatewayClient, anna: Agent
) -> None:
    conversation = _start(world)
    response = control.post(f"{URL}/agent-anna/messages", {"conversationId": conversation.id, "text": "Hi"})
    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {
            "code": "agent_not_in_conversation",
            "message": f"Agent agent-anna is not handling conversation {conversation.id}.",
        }
    ]
    assert not Message.objects.exists()


def test_typing_starts_and_stops(world: World, control: GatewayClient, anna: Agent) -> None:
    conversation = _accepted(world, control, anna)
    for typing in (True, False):
        response = control.post(
            f"{URL}/agent-anna/typing", {"conversationId": conversation.id, "typing": typing}
        )
        assert response.status_code == 204
    assert _events(conversation)[-2:] == [("ACTIVITY", "typing", ("agent-anna",)), ("ACTIVITY", "typing", ())]


def test_transferring_queues_the_chat_again(world: World, control: GatewayClient, anna: Agent) -> None:
    conversation = _accepted(world, control, anna)
    support = world.support.public_id
    body = _body(
        control.post(f"{URL}/agent-anna/transfer", {"conversationId": conversation.id, "queueId": support})
    )
    assert (body["state"], body["assignment"], body["agentId"]) == (
        "active",
        {"type": "queue", "id": support},
        None,
    )
    assert _events(conversation)[-4:] == [
        ("TRANSFER",),
        ("MEMBERS_CHANGED", "agent", "left", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "queue", support),
        ("QUEUED", support),
    ]
    unknown = control.post(
        f"{URL}/agent-anna/transfer", {"conversationId": conversation.id, "queueId": "999"}
    )
    assert unknown.status_code == 400


def test_ending_then_closing_a_chat(world: World, control: GatewayClient, anna: Agent) -> None:
    conversation = _accepted(world, control, anna)
    open_close = control.post(f"{URL}/agent-anna/close", {"conversationId": conversation.id})
    assert problem(open_close)["errors"][0]["code"] == "chat_open"
    body = _body(control.post(f"{URL}/agent-anna/end", {"conversationId": conversation.id}))
    assert (body["state"], body["agentId"]) == ("idle", None)
    assert _events(conversation)[-2:] == [
        ("MEMBERS_CHANGED", "agent", "left", "agent-anna"),
        ("CONVERSATION_UPDATE", "idle", "agent", "agent-anna"),
    ]
    assert conversation.interactions.get().status == InteractionStatus.ENDED
    assert _body(control.get(f"{URL}/agent-anna/chats"))["chats"][0]["wrapUp"] is True
    _body(control.post(f"{URL}/agent-anna/close", {"conversationId": conversation.id}))
    assert Participant.objects.get(agent=anna).wrapped_up_at is not None
    assert _body(control.get(f"{URL}/agent-anna/chats"))["chats"] == []


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_an_accept_over_the_api_lands_on_the_open_desk() -> None:
    world = await database_sync_to_async(world_create)()
    await database_sync_to_async(world.agent)(public_id="agent-anna", name="Anna")
    desk, _ = await open_desk(world.tenant.id, "agent-anna")
    conversation = await create_conversation(world)
    await desk.pushes(1)
    control = GatewayClient(world.api_key.key)
    response = await database_sync_to_async(control.post)(f"{URL}/agent-anna/accept")
    assert response.status_code == 200
    assert await desk.pushes(2) == [("offer.accepted", conversation.id), ("chat", conversation.id)]
    await desk.communicator.disconnect()
