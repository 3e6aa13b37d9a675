"""The desk's state snapshot: what a (re)connecting desktop is given to rebuild itself from."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.attachment_links import presigned_url
from conversations.desk.selectors import desk_chat, desk_snapshot
from conversations.models import Agent, AgentStatus, Attachment, Conversation, Offer
from conversations.services.activity import agent_typing, read_receipt_record
from conversations.services.agents import agent_chat_close
from conversations.services.cards import card_action
from conversations.services.lifecycle import (
    conversation_create,
    conversation_end_by_agent,
    conversation_transfer,
)
from conversations.services.messages import agent_message_send, message_post
from conversations.services.offers import offer_accept
from gateway_sim.wire import epoch_ms
from tests.factories import World
from tests.helpers import event_summary

USER = {
    "name": "James Jones",
    "email": "james@example.com",
    "language": "en",
    "additionalProperties": [{"key": "Intent", "value": "balance"}],
}
QUICK = {
    "contentType": "application/8x8.quick.replies",
    "content": {
        "options": [{"title": "Yes", "data": {"postback": "y"}}, {"title": "No", "data": {"postback": "n"}}]
    },
}


def create(world: World, **kwargs):  # type: ignore[no-untyped-def]
    return conversation_create(
        tenant=world.tenant, channel_id=world.channel.id, user=dict(kwargs.pop("user", USER)), **kwargs
    )


def accept(conversation: Conversation, agent: Agent) -> None:
    offer_accept(offer_id=Offer.objects.pending().get(interaction__conversation=conversation).id, agent=agent)


def summaries(chat: dict) -> list[tuple]:  # type: ignore[type-arg]
    return [event_summary(event) for event in chat["timeline"]]


def test_a_new_agents_snapshot_has_the_agent_queues_and_nothing_else(world: World) -> None:
    agent = world.agent(name="Anna Berg", public_id="agent-anna", languages=["en", "sv"])
    other = world.agent(name="Bruno", public_id="agent-bruno", queues=[world.support])

    with time_machine.travel("2026-03-01 12:00:00+00:00", tick=False):
        snapshot = desk_snapshot(agent.pk)

    assert snapshot == {
        "serverTime": epoch_ms(datetime(2026, 3, 1, 12, tzinfo=UTC)),
        "offerTimeoutSeconds": 20.0,
        "tenant": {"id": world.tenant.id, "name": world.tenant.name},
        "agent": {
            "id": "agent-anna",
            "name": "Anna Berg",
            "status": "available",
            "languages": ["en", "sv"],
            "capacity": 3,
            "queues": [{"id": world.sales.public_id, "name": "Sales"}],
        },
        "queues": [
            {"id": world.sales.public_id, "name": "Sales"},
            {"id": world.support.public_id, "name": "Support"},
        ],
        "directory": {"agent-anna": "Anna Berg", "agent-bruno": other.name},
        "offers": [],
        "chats": [],
    }


def test_a_pending_offer_is_in_the_snapshot(world: World) -> None:
    agent = world.agent()
    conversation = create(world)

    [offer] = desk_snapshot(agent.pk)["offers"]

    assert (offer["conversationId"], offer["displayName"], offer["queueName"]) == (
        conversation.id,
        "James Jones",
        "Sales",
    )


def test_an_open_chat_has_its_history_timeline_user_and_read_state(world: World) -> None:
    agent = world.agent(public_id="agent-anna")
    conversation = create(
        world, history=[{"authorType": "user", "text": "Hi bot"}, {"authorType": "bot", "text": "Hi!"}]
    )
    accept(conversation, agent)
    agent_typing(conversation=conversation, agent=agent, typing=True)
    sent = agent_message_send(conversation=conversation, agent=agent, text="Hello James")
    message_post(conversation=conversation, author_type="user", text="Thanks", cards=[QUICK])
    read_receipt_record(conversation=conversation, author_type="user", read_at=sent.created_at)
    card = conversation.messages.get(text="Thanks").cards.get()
    card_action(conversation=conversation, card_id=card.id, action="submit", name="Yes")

    [chat] = desk_snapshot(agent.pk)["chats"]

    assert {k: v for k, v in chat.items() if k not in ("timeline", "history")} == {
        "conversationId": conversation.id,
        "status": "open",
        "state": "active",
        "channel": {"id": world.channel.id, "name": world.channel.name, "type": "ChatAPI"},
        "queue": {"id": world.sales.public_id, "name": "Sales"},
        "user": {
            "name": "James Jones",
            "email": "james@example.com",
            "language": "en",
            "additionalProperties": [{"key": "Intent", "value": "balance"}],
        },
        "displayName": "James Jones",
        "userParticipantId": conversation.user_participant_id,
        "createdAt": epoch_ms(conversation.created_at),
        "joinedAt": chat["joinedAt"],
        "leftAt": None,
        "lastSequence": 9,
        "readAt": epoch_ms(sent.created_at),
        "cards": {
            card.id: {
                "actionSubmitted": True,
                "actionExecuted": False,
                "submittedValue": {"title": "Yes", "payload": "y"},
            }
        },
    }
    assert [(item["sender"]["type"], item["text"]) for item in chat["history"]] == [
        ("user", "Hi bot"),
        ("bot", "Hi!"),
    ]
    # The agent's own typing (sequence 6) is not part of a timeline.
    assert summaries(chat) == [
        ("CONVERSATION_UPDATE", "created", "queue", world.sales.public_id),
        ("CONVERSATION_UPDATE", "active", "queue", world.sales.public_id),
        ("QUEUED", world.sales.public_id),
        ("MEMBERS_CHANGED", "agent", "joined", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "agent", "agent-anna"),
        ("MESSAGE", "agent", False, "Hello James"),
        ("MESSAGE", "user", True, "Thanks"),
        ("ACTIVITY", "quickReply/action", "postback"),
    ]
    assert [event["sequence"] for event in chat["timeline"]] == [1, 2, 3, 4, 5, 7, 8, 9]
    assert chat["timeline"][6]["data"]["cards"] == [{"id": card.id, **QUICK}]


def test_file_links_in_the_snapshot_are_signed_afresh(world: World) -> None:
    agent = world.agent()
    conversation = create(world)
    accept(conversation, agent)
    attachment = Attachment.objects.create(
        conversation=conversation, filename="a.png", content_type="image/png"
    )
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        message_post(
            conversation=conversation, author_type="user", text="", attachments=[{"id": attachment.id}]
        )

    [chat] = desk_snapshot(agent.pk)["chats"]

    assert chat["timeline"][-1]["data"]["attachments"] == [
        {
            "id": attachment.id,
            "type": "image",
            "preSignedUrl": presigned_url(attachment.id),
            "fileName": "a.png",
        }
    ]


def test_a_chat_the_agent_left_is_in_wrap_up_as_it_was_when_they_left(world: World) -> None:
    anna = world.agent(public_id="agent-anna", queues=[world.sales])
    bruno = world.agent(public_id="agent-bruno", queues=[world.support])
    conversation = create(world)
    accept(conversation, anna)
    conversation_transfer(conversation=conversation, agent=anna, queue_id=world.support.public_id)
    accept(Conversation.objects.get(pk=conversation.pk), bruno)
    message_post(conversation=conversation, author_type="user", text="After the transfer")

    [chat] = desk_snapshot(anna.pk)["chats"]

    assert (chat["status"], chat["leftAt"] is not None) == ("wrapup", True)
    assert summaries(chat)[-4:] == [
        ("TRANSFER",),
        ("MEMBERS_CHANGED", "agent", "left", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
    ]
    assert [c["status"] for c in desk_snapshot(bruno.pk)["chats"]] == ["open"]


def test_a_closed_wrap_up_leaves_the_desk_until_the_agent_has_the_chat_again(world: World) -> None:
    agent = world.agent()
    conversation = create(world)
    accept(conversation, agent)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    assert desk_chat(agent.pk, conversation.id)["status"] == "wrapup"  # type: ignore[index]

    agent_chat_close(agent=agent, conversation_id=conversation.id)

    assert desk_snapshot(agent.pk)["chats"] == []
    assert desk_chat(agent.pk, conversation.id) is None
    message_post(conversation=conversation, author_type="user", text="Me again")
    accept(conversation, agent)
    assert desk_chat(agent.pk, conversation.id)["status"] == "open"  # type: ignore[index]
    conversation_end_by_agent(conversation=conversation, agent=agent)
    assert [c["status"] for c in desk_snapshot(agent.pk)["chats"]] == ["wrapup"]


def test_open_chats_come_before_wrap_ups(world: World) -> None:
    agent = world.agent()
    Agent.objects.filter(pk=agent.pk).update(status=AgentStatus.AVAILABLE)
    first, second = create(world), create(world)
    accept(first, agent)
    accept(second, agent)
    conversation_end_by_agent(conversation=first, agent=agent)

    chats = desk_snapshot(agent.pk)["chats"]

    assert [(c["conversationId"], c["status"]) for c in chats] == [(second.id, "open"), (first.id, "wrapup")]


def test_another_agents_chat_is_not_on_the_desk(world: World) -> None:
    anna, bruno = world.agent(), world.agent()
    conversation = create(world)
    accept(conversation, anna)

    assert desk_chat(bruno.pk, conversation.id) is None


def desk_with_chats(world: World, count: int) -> Agent:
    """An agent with `count` chats, the last of them left in wrap-up when there are several,
    each with creation history, messages, a file, answered cards and a read receipt; plus
    one pending offer."""
    agent = world.agent(capacity=count + 1)
    for number in range(count):
        conversation = create(
            world, history=[{"authorType": "user", "text": "Hi bot"}, {"authorType": "bot", "cards": [QUICK]}]
        )
        accept(conversation, agent)
        sent = agent_message_send(conversation=conversation, agent=agent, text="Hello")
        attachment = Attachment.objects.create(
            conversation=conversation, filename="a.png", content_type="image/png"
        )
        message = message_post(
            conversation=conversation,
            author_type="user",
            text="Thanks",
            attachments=[{"id": attachment.id}],
            cards=[QUICK],
        )
        read_receipt_record(conversation=conversation, author_type="user", read_at=sent.created_at)
        card_action(conversation=conversation, card_id=message.cards.get().id, action="submit", name="Yes")
        if number and number == count - 1:
            conversation_end_by_agent(conversation=conversation, agent=agent)
    create(world)
    return agent


@pytest.mark.parametrize(("count", "statuses"), [(1, ["open"]), (5, ["open"] * 4 + ["wrapup"])])
def test_a_snapshot_costs_the_same_queries_for_any_number_of_chats(
    world: World, count: int, statuses: list[str], django_assert_num_queries: Any
) -> None:
    agent = desk_with_chats(world, count)

    # The agent, its queues, the tenant's queues and directory, the open chats, their
    # participants, the wrap-ups, the conversations and the offers; then for all chats at
    # once: events, creation history (with its files and cards), read states and cards.
    with django_assert_num_queries(15):
        snapshot = desk_snapshot(agent.pk)

    assert [chat["status"] for chat in snapshot["chats"]] == statuses
    assert [len(chat["history"]) for chat in snapshot["chats"]] == [2] * count
    assert len(snapshot["offers"]) == 1


def test_the_sign_in_page_costs_the_same_for_more_agents(world: World, client) -> None:  # type: ignore[no-untyped-def]
    world.agent()
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/")
    world.agent(queues=[world.sales, world.support])
    world.agent()

    with CaptureQueriesContext(connection) as more:
        client.get("/desk/")

    assert len(more) == len(few) == 4
