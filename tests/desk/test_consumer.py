"""The desk's WebSocket consumer, driven with a WebsocketCommunicator.

The consumer's database work runs in worker threads, so these tests commit their data
(`transaction=True`); every wait is short, since everything happens in this process.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from conversations.consumers import CLOSE_UNKNOWN_AGENT
from conversations.models import Agent, AgentStatus, Conversation, Offer, Participant
from conversations.services.activity import integration_typing
from conversations.services.cards import card_action
from conversations.services.clock import timers_fire_due
from conversations.services.lifecycle import conversation_create
from conversations.services.messages import message_post
from conversations.services.offers import offer_accept
from conversations.ws_routing import websocket_urlpatterns
from tests.factories import World, world_create
from tests.helpers import event_summary

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]

WAIT = 2
QUIET = 0.1
USER = {"name": "James Jones", "language": "en"}
QUICK = {
    "contentType": "application/8x8.quick.replies",
    "content": {"options": [{"title": "Yes", "data": {"postback": "y"}}]},
}
application = URLRouter(websocket_urlpatterns)


class Desk:
    """One open desktop: a communicator plus helpers that read what the server says."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.refs = 0

    async def receive(self) -> dict[str, Any]:
        frame: dict[str, Any] = await self.communicator.receive_json_from(timeout=WAIT)
        return frame

    async def request(self, **frame: Any) -> dict[str, Any]:
        """Send an action and return the server's ack or error for it."""
        self.refs += 1
        await self.communicator.send_json_to({**frame, "ref": self.refs})
        answer = await self.receive()
        assert answer["type"] in ("ack", "error"), answer
        assert answer["ref"] == self.refs
        return answer

    async def pushes(self, count: int) -> list[tuple[str, Any]]:
        frames = [await self.receive() for _ in range(count)]
        return [summary(frame) for frame in frames]

    async def assert_quiet(self) -> None:
        assert await self.communicator.receive_nothing(timeout=QUIET)


def summary(frame: dict[str, Any]) -> tuple[str, Any]:
    if frame["type"] == "push" and frame["kind"] == "event":
        return ("event", event_summary(frame["payload"]))
    if frame["type"] == "push":
        return (frame["kind"], frame["payload"].get("conversationId") or frame["payload"].get("status"))
    if frame["type"] == "chat":
        return ("chat", frame["chat"]["conversationId"])
    return (frame["type"], None)


@pytest.fixture
async def world() -> World:
    return await database_sync_to_async(world_create)()


@pytest.fixture
async def anna(world: World) -> Agent:
    return await database_sync_to_async(world.agent)(public_id="agent-anna", name="Anna Berg")


async def open_desk(tenant_id: str, agent_id: str) -> tuple[Desk, dict[str, Any]]:
    communicator = WebsocketCommunicator(application, f"/ws/desk/{tenant_id}/{agent_id}/")
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    desk = Desk(communicator)
    return desk, await desk.receive()


@pytest.fixture
async def desk(world: World, anna: Agent) -> AsyncIterator[Desk]:
    desk, snapshot = await open_desk(world.tenant.id, "agent-anna")
    assert snapshot["type"] == "snapshot"
    yield desk
    await desk.communicator.disconnect()


@database_sync_to_async
def create_conversation(world: World, **user: Any) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={**USER, **user})


@database_sync_to_async
def pending_offer(conversation: Conversation) -> Offer:
    return Offer.objects.pending().select_related("agent").get(interaction__conversation=conversation)


async def test_a_desk_starts_with_a_snapshot_of_the_agents_state(world: World, anna: Agent) -> None:
    conversation = await create_conversation(world)

    desk, snapshot = await open_desk(world.tenant.id, "agent-anna")

    assert snapshot["type"] == "snapshot"
    assert snapshot["agent"]["id"] == "agent-anna"
    assert [offer["conversationId"] for offer in snapshot["offers"]] == [conversation.id]
    assert snapshot["chats"] == []
    await desk.assert_quiet()
    await desk.communicator.disconnect()


async def test_an_unknown_agent_gets_an_error_and_a_close_that_stops_reconnects(world: World) -> None:
    communicator = WebsocketCommunicator(application, f"/ws/desk/{world.tenant.id}/nobody/")
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected

    assert await communicator.receive_json_from(timeout=WAIT) == {
        "type": "error",
        "code": "resource_not_found",
        "message": f"Agent nobody does not exist in tenant {world.tenant.id}.",
    }
    assert await communicator.receive_output(timeout=WAIT) == {
        "type": "websocket.close",
        "code": CLOSE_UNKNOWN_AGENT,
    }


async def test_setting_the_status_is_acknowledged_and_pushed(desk: Desk, anna: Agent) -> None:
    assert await desk.request(type="set_status", status="away") == {"type": "ack", "ref": 1}

    assert await desk.pushes(1) == [("agent.status", "away")]
    assert (await database_sync_to_async(Agent.objects.get)(pk=anna.pk)).status == AgentStatus.AWAY


async def test_a_new_offer_is_pushed_and_accepting_it_brings_the_whole_chat(world: World, desk: Desk) -> None:
    conversation = await create_conversation(world)
    assert await desk.pushes(1) == [("offer.new", conversation.id)]
    offer = await pending_offer(conversation)

    assert await desk.request(type="accept", offerId=offer.id) == {"type": "ack", "ref": 1}

    frames = [await desk.receive() for _ in range(2)]
    assert [summary(f) for f in frames] == [("offer.accepted", conversation.id), ("chat", conversation.id)]
    chat = frames[1]["chat"]
    assert chat["status"] == "open"
    assert [event_summary(e) for e in chat["timeline"]][-2:] == [
        ("MEMBERS_CHANGED", "agent", "joined", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "agent", "agent-anna"),
    ]
    await desk.assert_quiet()


async def accepted(world: World, desk: Desk) -> Conversation:
    conversation = await create_conversation(world)
    offer = await pending_offer(conversation)
    await desk.pushes(1)
    await desk.request(type="accept", offerId=offer.id)
    await desk.pushes(2)
    return conversation


async def test_the_agent_types_and_sends_and_sees_the_events(world: World, desk: Desk) -> None:
    conversation = await accepted(world, desk)

    assert (await desk.request(type="typing", conversationId=conversation.id, typing=True))["type"] == "ack"
    assert await desk.pushes(1) == [("event", ("ACTIVITY", "typing", ("agent-anna",)))]
    assert (await desk.request(type="send", conversationId=conversation.id, text="Hello\nthere"))[
        "type"
    ] == "ack"
    assert await desk.pushes(1) == [("event", ("MESSAGE", "agent", False, "Hello\nthere"))]


@database_sync_to_async
def agent_texts(conversation: Conversation) -> list[str]:
    return list(conversation.messages.filter(author_type="agent").values_list("text", flat=True))


async def test_a_message_resent_after_a_reconnect_is_posted_once(world: World, desk: Desk) -> None:
    conversation = await accepted(world, desk)
    frame = {"type": "send", "conversationId": conversation.id, "text": "Once", "clientId": "c-1"}
    assert await desk.request(**frame) == {"type": "ack", "ref": 2, "clientId": "c-1", "repeated": False}
    assert await desk.pushes(1) == [("event", ("MESSAGE", "agent", False, "Once"))]
    # The ack never reached the page: it reconnects and sends the same message again.
    await desk.communicator.disconnect()
    again, _ = await open_desk(world.tenant.id, "agent-anna")

    answer = await again.request(**frame)

    assert answer == {"type": "ack", "ref": 1, "clientId": "c-1", "repeated": True}
    await again.assert_quiet()
    assert await agent_texts(conversation) == ["Once"]
    await again.communicator.disconnect()


async def test_messages_with_different_client_ids_are_all_posted(world: World, desk: Desk) -> None:
    conversation = await accepted(world, desk)

    for ref, client_id in enumerate(["c-1", "c-2"], start=2):
        answer = await desk.request(
            type="send", conversationId=conversation.id, text="Same", clientId=client_id
        )
        assert answer == {"type": "ack", "ref": ref, "clientId": client_id, "repeated": False}
        assert await desk.pushes(1) == [("event", ("MESSAGE", "agent", False, "Same"))]

    assert await agent_texts(conversation) == ["Same", "Same"]


async def test_a_refused_message_can_be_sent_again_with_its_client_id(world: World, desk: Desk) -> None:
    conversation = await create_conversation(world)
    await desk.pushes(1)
    frame = {"type": "send", "conversationId": conversation.id, "text": "Hi", "clientId": "c-1"}
    assert (await desk.request(**frame))["code"] == "agent_not_in_conversation"
    await desk.request(type="accept", offerId=(await pending_offer(conversation)).id)
    await desk.pushes(2)

    assert await desk.request(**frame) == {"type": "ack", "ref": 3, "clientId": "c-1", "repeated": False}
    assert await agent_texts(conversation) == ["Hi"]


async def test_the_integrations_messages_typing_and_card_choices_reach_the_desk(
    world: World, desk: Desk
) -> None:
    conversation = await accepted(world, desk)

    await database_sync_to_async(integration_typing)(conversation=conversation, author_type="user")
    message = await database_sync_to_async(message_post)(
        conversation=conversation, author_type="bot", text="Pick one", cards=[QUICK]
    )
    card = await database_sync_to_async(message.cards.get)()
    await database_sync_to_async(card_action)(
        conversation=conversation, card_id=card.id, action="submit", name="Yes"
    )

    assert await desk.pushes(2) == [
        ("activity.typing", conversation.id),
        ("event", ("MESSAGE", "bot", True, "Pick one")),
    ]
    assert await desk.pushes(1) == [("event", ("ACTIVITY", "quickReply/action", "postback"))]
    assert await desk.receive() == {
        "type": "cards",
        "conversationId": conversation.id,
        "cards": {
            card.id: {
                "actionSubmitted": True,
                "actionExecuted": False,
                "submittedValue": {"title": "Yes", "payload": "y"},
            }
        },
    }


async def test_transferring_moves_the_chat_to_wrap_up_and_stops_following_it(
    world: World, desk: Desk
) -> None:
    conversation = await accepted(world, desk)

    answer = await desk.request(
        type="transfer", conversationId=conversation.id, queueId=world.support.public_id
    )

    assert answer == {"type": "ack", "ref": 2}
    assert await desk.pushes(4) == [
        ("event", ("TRANSFER",)),
        ("event", ("MEMBERS_CHANGED", "agent", "left", "agent-anna")),
        ("event", ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id)),
        ("event", ("QUEUED", world.support.public_id)),
    ]
    await database_sync_to_async(message_post)(
        conversation=conversation, author_type="user", text="Still there?"
    )
    await desk.assert_quiet()


async def test_ending_then_closing_a_chat(world: World, desk: Desk, anna: Agent) -> None:
    conversation = await accepted(world, desk)

    assert (await desk.request(type="end", conversationId=conversation.id))["type"] == "ack"
    assert await desk.pushes(2) == [
        ("event", ("MEMBERS_CHANGED", "agent", "left", "agent-anna")),
        ("event", ("CONVERSATION_UPDATE", "idle", "agent", "agent-anna")),
    ]
    assert (await desk.request(type="close", conversationId=conversation.id))["type"] == "ack"
    assert await desk.pushes(1) == [("chat.closed", conversation.id)]
    participant = await database_sync_to_async(Participant.objects.get)(agent=anna, conversation=conversation)
    assert participant.wrapped_up_at is not None


async def test_a_refused_action_answers_with_the_domain_message_and_the_socket_stays_open(
    world: World, desk: Desk
) -> None:
    conversation = await create_conversation(world)
    await desk.pushes(1)

    answer = await desk.request(type="send", conversationId=conversation.id, text="Hi")

    assert answer == {
        "type": "error",
        "ref": 1,
        "code": "agent_not_in_conversation",
        "message": f"Agent agent-anna is not handling conversation {conversation.id}.",
    }
    assert (await desk.request(type="set_status", status="available"))["type"] == "ack"


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        ({"type": "dance"}, "invalid_frame", "Unknown frame type 'dance'."),
        ({"type": "accept"}, "invalid_frame", "offerId must be a non-empty string."),
        (
            {"type": "accept", "offerId": "nope"},
            "resource_not_found",
            "Entity of type Offer with id nope was not found.",
        ),
        (
            {"type": "set_status", "status": "busy"},
            "invalid_parameter",
            "Invalid status=busy, has to be one of available, away, offline",
        ),
        (
            {"type": "send", "conversationId": "c", "text": 3},
            "invalid_frame",
            "text must be a non-empty string.",
        ),
        (
            {"type": "send", "conversationId": "c", "attachmentIds": "a"},
            "invalid_frame",
            "attachmentIds must be a list of attachment ids.",
        ),
        (
            {"type": "send", "conversationId": "c", "text": "Hi", "clientId": ""},
            "invalid_frame",
            "clientId must be a string of 1 to 100 characters.",
        ),
        (
            {"type": "transfer", "conversationId": "nope", "queueId": "1"},
            "resource_not_found",
            "Entity of type Conversation with id nope was not found.",
        ),
    ],
)
async def test_bad_frames_get_an_error_frame(
    desk: Desk, frame: dict[str, Any], code: str, message: str
) -> None:
    assert await desk.request(**frame) == {"type": "error", "ref": 1, "code": code, "message": message}


async def test_a_frame_that_is_not_an_object_gets_an_error(desk: Desk) -> None:
    await desk.communicator.send_json_to(["accept"])

    assert await desk.receive() == {
        "type": "error",
        "ref": None,
        "code": "invalid_frame",
        "message": "A frame must be a JSON object.",
    }


async def test_resync_sends_a_fresh_snapshot(world: World, desk: Desk) -> None:
    conversation = await accepted(world, desk)

    await desk.communicator.send_json_to({"type": "resync", "ref": "r"})

    snapshot = await desk.receive()
    assert snapshot["type"] == "snapshot"
    assert [chat["conversationId"] for chat in snapshot["chats"]] == [conversation.id]
    assert await desk.receive() == {"type": "ack", "ref": "r"}


async def test_a_reconnected_desk_follows_its_open_chats_again(world: World, desk: Desk) -> None:
    conversation = await accepted(world, desk)
    await desk.communicator.disconnect()

    again, snapshot = await open_desk(world.tenant.id, "agent-anna")
    await database_sync_to_async(message_post)(conversation=conversation, author_type="user", text="Back")

    assert [chat["status"] for chat in snapshot["chats"]] == ["open"]
    assert await again.pushes(1) == [("event", ("MESSAGE", "user", True, "Back"))]
    await again.communicator.disconnect()


async def test_a_chat_accepted_in_another_tab_appears_on_every_desk_of_the_agent(
    world: World, desk: Desk
) -> None:
    other, _ = await open_desk(world.tenant.id, "agent-anna")
    conversation = await create_conversation(world)
    await desk.pushes(1)
    await other.pushes(1)
    offer = await pending_offer(conversation)

    await other.request(type="accept", offerId=offer.id)

    assert await desk.pushes(2) == [("offer.accepted", conversation.id), ("chat", conversation.id)]
    await database_sync_to_async(message_post)(conversation=conversation, author_type="user", text="Hi both")
    assert await desk.pushes(1) == [("event", ("MESSAGE", "user", True, "Hi both"))]
    await other.communicator.disconnect()


async def test_an_accept_through_the_services_also_lands_on_the_desk(
    world: World, desk: Desk, anna: Agent
) -> None:
    conversation = await create_conversation(world)
    await desk.pushes(1)
    offer = await pending_offer(conversation)

    await database_sync_to_async(offer_accept)(offer_id=offer.id, agent=anna)

    assert await desk.pushes(2) == [("offer.accepted", conversation.id), ("chat", conversation.id)]


async def test_desks_of_other_agents_and_tenants_hear_nothing(world: World, desk: Desk) -> None:
    await database_sync_to_async(world.agent)(public_id="agent-bruno", queues=[world.support])
    bruno, _ = await open_desk(world.tenant.id, "agent-bruno")
    elsewhere = await database_sync_to_async(world_create)()
    await database_sync_to_async(elsewhere.agent)(public_id="agent-anna")
    namesake, _ = await open_desk(elsewhere.tenant.id, "agent-anna")

    conversation = await accepted(world, desk)
    await database_sync_to_async(message_post)(conversation=conversation, author_type="user", text="Private")

    assert await desk.pushes(1) == [("event", ("MESSAGE", "user", True, "Private"))]
    await bruno.assert_quiet()
    await namesake.assert_quiet()
    await bruno.communicator.disconnect()
    await namesake.communicator.disconnect()


async def test_an_offer_that_times_out_leaves_the_desk_and_goes_to_the_next_agent(
    world: World, desk: Desk
) -> None:
    await database_sync_to_async(world.agent)(public_id="agent-bruno")
    bruno, _ = await open_desk(world.tenant.id, "agent-bruno")
    conversation = await create_conversation(world)
    offer = await pending_offer(conversation)
    offered, other = (desk, bruno) if offer.agent.public_id == "agent-anna" else (bruno, desk)
    assert await offered.pushes(1) == [("offer.new", conversation.id)]

    await database_sync_to_async(timers_fire_due)(now=offer.expires_at + timedelta(seconds=1))

    assert await offered.pushes(1) == [("offer.expired", conversation.id)]
    assert await other.pushes(1) == [("offer.new", conversation.id)]
    await bruno.communicator.disconnect()
