"""v2 messages: post as user or bot, list by interaction, and the re-open of an ended chat."""

import pytest
from django.test import override_settings

from conversations.models import Conversation, ConversationState, InteractionStatus, Message
from conversations.services.lifecycle import conversation_end_by_agent, conversation_transfer
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.helpers import event_summary, events_of, last_sequence
from tests.legacy.conftest import LegacyWorld


def started(legacy: LegacyWorld):  # type: ignore[no-untyped-def]
    """A conversation with history, taken by an agent who said hello."""
    agent = legacy.world.agent()
    response = legacy.api.post(
        "/conversations",
        {
            "channelId": legacy.channel.id,
            "customer": {"name": "Ann", "customerId": "c-1"},
            "history": {"messages": [{"type": "user", "text": "Hi bot"}, {"type": "bot", "text": "Hold on"}]},
        },
    )
    conversation = Conversation.objects.get(pk=response.json()["conversationId"])
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    agent_message_send(conversation=conversation, agent=agent, text="Hello Ann")
    return conversation, agent


def test_it_posts_a_user_message_as_accepted(legacy: LegacyWorld) -> None:
    conversation, _agent = started(legacy)

    response = legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "I need help"})

    assert response.status_code == 202
    assert response.content == b""
    message = Message.objects.get(text="I need help")
    assert (message.author_type, message.author_id, message.is_history) == ("user", "c-1", False)


def test_it_posts_a_bot_message(legacy: LegacyWorld) -> None:
    conversation, _agent = started(legacy)

    legacy.api.post(f"/conversations/{conversation.id}/messages", {"authorType": "bot", "text": "Beep"})

    assert Message.objects.get(text="Beep").author_type == "bot"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, ["text: May not be empty."]),
        (
            {"text": "", "authorType": "agent"},
            ["authorType: Must be one of bot, user.", "text: May not be empty."],
        ),
    ],
)
def test_an_invalid_message_is_a_constraint_violation(
    legacy: LegacyWorld, body: dict, errors: list[str]
) -> None:  # type: ignore[type-arg]
    conversation, _agent = started(legacy)

    response = legacy.api.post(f"/conversations/{conversation.id}/messages", body)

    assert response.status_code == 400
    assert response.json() == {"message": "Constraint Violation", "errors": errors}


@override_settings(SANDBOX_MAX_MESSAGE_TEXT_LENGTH=10)
def test_a_text_over_the_length_limit_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    conversation, _agent = started(legacy)

    response = legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "x" * 11})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["text: Ensure this field has no more than 10 characters."],
    }
    assert not Message.objects.filter(text="x" * 11).exists()


def test_posting_to_an_unknown_conversation_is_not_found(legacy: LegacyWorld) -> None:
    response = legacy.api.post("/conversations/nope/messages", {"text": "hi"})

    assert response.status_code == 404
    assert response.json()["message"] == "Resource of type Conversation with id nope was not found."


def test_it_lists_messages_with_their_interaction(legacy: LegacyWorld) -> None:
    conversation, agent = started(legacy)
    legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "Thanks"})
    interaction = conversation.interactions.get()

    response = legacy.api.get(f"/conversations/{conversation.id}/messages")

    assert response.status_code == 200
    assert response.json() == {
        "messages": [
            {
                "interactionId": interaction.id,
                "originalText": "Hi bot",
                "translatedText": "Hi bot",
                "authorType": "user",
                "participantId": "c-1",
            },
            {
                "interactionId": interaction.id,
                "originalText": "Hold on",
                "translatedText": "Hold on",
                "authorType": "bot",
                "participantId": legacy.webhook.id,
            },
            {
                "interactionId": interaction.id,
                "originalText": "Hello Ann",
                "translatedText": "Hello Ann",
                "authorType": "agent",
                "participantId": agent.public_id,
            },
            {
                "interactionId": interaction.id,
                "originalText": "Thanks",
                "translatedText": "Thanks",
                "authorType": "user",
                "participantId": "c-1",
            },
        ]
    }


def test_a_user_message_after_the_agent_left_reopens_as_a_new_interaction_in_the_last_queue(
    legacy: LegacyWorld,
) -> None:
    conversation, agent = started(legacy)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE
    since = last_sequence(conversation)

    response = legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "One more thing"})

    assert response.status_code == 202
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ACTIVE
    first, second = conversation.interactions.order_by("started_at", "id")
    assert first.status == InteractionStatus.ENDED
    assert (second.status, second.queue) == (InteractionStatus.QUEUED, legacy.world.sales)
    # The new interaction is offered again; the agent who ended the chat is free to take it.
    assert second.offers.get().agent == agent
    assert [event_summary(e) for e in events_of(conversation, since=since)] == [
        ("MESSAGE", "user", True, "One more thing"),
        ("CONVERSATION_UPDATE", "active", "queue", legacy.world.sales.public_id),
        ("QUEUED", legacy.world.sales.public_id),
    ]
    # v2 reads show both interactions and put the re-opening message in the new one.
    interactions = legacy.api.get(f"/conversations/{conversation.id}").json()["interactions"]
    assert [item["id"] for item in interactions] == [first.id, second.id]
    assert "endTime" in interactions[0]
    assert "endTime" not in interactions[1]
    listed = legacy.api.get(
        f"/conversations/{conversation.id}/messages", {"interaction-id": second.id}
    ).json()
    assert [m["originalText"] for m in listed["messages"]] == ["One more thing"]
    earlier = legacy.api.get(
        f"/conversations/{conversation.id}/messages", {"interaction-id": first.id}
    ).json()
    assert [m["originalText"] for m in earlier["messages"]] == ["Hi bot", "Hold on", "Hello Ann"]


def test_an_unknown_interaction_id_lists_no_messages(legacy: LegacyWorld) -> None:
    conversation, _agent = started(legacy)

    response = legacy.api.get(f"/conversations/{conversation.id}/messages", {"interaction-id": "int-nope"})

    assert response.json() == {"messages": []}


def test_the_reopened_chat_goes_to_the_queue_it_was_last_transferred_to(legacy: LegacyWorld) -> None:
    conversation, agent = started(legacy)
    bert = legacy.world.agent(queues=[legacy.world.support])
    conversation_transfer(conversation=conversation, agent=agent, queue_id=legacy.world.support.public_id)
    offer_accept(offer_id=conversation.interactions.get().offers.get(status="pending").id, agent=bert)
    legacy.api.delete(f"/conversations/{conversation.id}/participants/customer")

    legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "Back again"})

    reopened = conversation.interactions.get(status=InteractionStatus.QUEUED)
    assert reopened.queue == legacy.world.support
    assert reopened.offers.get().agent == bert
