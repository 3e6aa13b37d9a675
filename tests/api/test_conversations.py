"""`/chat-gateway/v1/conversations`: list, create, get, put, patch, interactions."""

from typing import Any

import pytest
import time_machine
from django.test import override_settings
from pytest_django import DjangoAssertNumQueries

from conversations.models import ApiFlavour, Conversation, ConversationState, InteractionStatus, Message
from conversations.services.lifecycle import conversation_create, conversation_user_leave
from conversations.services.offers import offer_accept
from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import World
from tests.helpers import event_summary, events_of

URL = "/chat-gateway/v1/conversations"
NOW = "2026-03-02T10:15:30.250Z"

USER = {
    "name": "James Jones",
    "userId": "crm-42",
    "email": "user@example.com",
    "phone": "013453403332",
    "language": "en",
    "additionalProperties": [{"key": "Intent", "value": "balance"}],
}


def create(world: World, **user: Any) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={**USER, **user})


def as_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channelId": conversation.channel_id,
        "state": conversation.state,
        "assignment": {"type": conversation.assignment_type, "id": conversation.assignment_id},
        "user": USER,
    }


@time_machine.travel(NOW, tick=False)
def test_it_creates_a_conversation_queued_in_the_named_queue(api: GatewayClient, world: World) -> None:
    response = api.post(
        URL,
        {
            "channelId": f" {world.channel.id} ",
            "user": {**USER, "favouriteColour": "blue"},
            "assignment": {"type": "queue", "id": f" {world.support.public_id}"},
            "history": {
                "messages": [
                    {"authorType": "user", "text": "Hello, can I get my balance please"},
                    {"authorType": "bot", "text": "Sure, connecting you now"},
                ]
            },
        },
    )

    conversation = Conversation.objects.get()
    assert hal(response, 202) == {"conversationId": conversation.id, "createdAt": NOW}
    assert (conversation.tenant, conversation.channel, conversation.api) == (
        world.tenant,
        world.channel,
        ApiFlavour.GATEWAY,
    )
    assert conversation.user == USER
    assert conversation.user_participant_id == "crm-42"
    assert [(m.author_type, m.text, m.is_history) for m in Message.objects.order_by("seq")] == [
        ("user", "Hello, can I get my balance please", True),
        ("bot", "Sure, connecting you now", True),
    ]
    assert [event_summary(e) for e in events_of(conversation)] == [
        ("CONVERSATION_UPDATE", "created", "queue", world.support.public_id),
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
    ]


def test_without_assignment_the_channels_queue_is_used(api: GatewayClient, world: World) -> None:
    response = api.post(URL, {"channelId": world.channel.id, "user": {"name": "Ann"}})

    assert response.status_code == 202
    conversation = Conversation.objects.get()
    assert (conversation.assignment_type, conversation.assignment_id) == ("queue", world.sales.public_id)


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"assignment": {"type": "queue", "id": "999"}}, "invalid_queue", "Queue ID 999 is invalid."),
        (
            {"assignment": {"type": "agent", "id": "1"}},
            "invalid_json_object",
            "Invalid assignment.type=agent, has to be one of queue, script",
        ),
        ({"channelId": "nope"}, "invalid_channel", "Channel ID nope is invalid."),
        ({"user": "James"}, "invalid_json_object", "user: Invalid data. Expected a dictionary, but got str."),
        (
            {"user": {"email": "not-an-email"}},
            "invalid_json_object",
            "user.email: Enter a valid email address.",
        ),
        (
            {"user": {"name": "x" * 257}},
            "invalid_json_object",
            "user.name: Ensure this field has no more than 256 characters.",
        ),
        (
            {"user": {"additionalProperties": [{"key": str(i), "value": "v"} for i in range(31)]}},
            "invalid_json_object",
            "user.additionalProperties: Ensure this field has no more than 30 elements.",
        ),
        (
            {"user": {"additionalProperties": [{"key": "k"}]}},
            "invalid_json_object",
            "user.additionalProperties[0].value: This field is required.",
        ),
        (
            {"history": {"messages": [{"authorType": "user", "text": "hi"}] * 201}},
            "invalid_json_object",
            "history.messages: Ensure this field has no more than 200 elements.",
        ),
        (
            {"history": {"messages": [{"authorType": "agent", "text": "hi"}]}},
            "invalid_json_object",
            "Invalid authorType=agent, has to be one of user, bot",
        ),
        (
            {
                "history": {
                    "messages": [
                        {
                            "authorType": "bot",
                            "cards": [
                                {"contentType": "application/8x8.quick.replies", "content": {"options": [7]}}
                            ],
                        }
                    ]
                }
            },
            "invalid_json_object",
            "history.messages[0].cards[0].content.options[0]: Must be an object with a string title.",
        ),
    ],
)
def test_it_rejects_an_invalid_conversation_and_stores_nothing(
    api: GatewayClient, world: World, changes: dict[str, Any], code: str, message: str
) -> None:
    response = api.post(URL, {"channelId": world.channel.id, "user": {"name": "Ann"}, **changes})

    assert response.status_code == 400
    assert problem(response) == {"message": message, "errors": [{"code": code, "message": message}]}
    assert not Conversation.objects.exists()


def test_missing_required_fields_are_named(api: GatewayClient) -> None:
    response = api.post(URL, {})

    assert response.status_code == 400
    assert problem(response) == {
        "message": "channelId: This field is required.; user: This field is required.",
        "errors": [
            {"code": "invalid_json_object", "message": "channelId: This field is required."},
            {"code": "invalid_json_object", "message": "user: This field is required."},
        ],
    }


def test_it_lists_conversations(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first, second = create(world), create(world, userId="crm-43")

    with django_assert_num_queries(3):
        response = api.get(URL + "?sort=createdAt:desc")

    second_json = as_json(second) | {"user": {**USER, "userId": "crm-43"}}
    assert hal(response) == {
        "_embedded": {"conversations": [second_json, as_json(first)]},
        "_links": {"self": {"href": "http://testserver/chat-gateway/v1/conversations?sort=createdAt:desc"}},
        "page": {"size": 20, "number": 0, "totalElements": 2, "totalPages": 1},
    }


def test_it_filters_conversations_on_user_fields_and_state(api: GatewayClient, world: World) -> None:
    create(world)
    wanted = create(world, email="other@example.com")
    conversation_user_leave(conversation=wanted)

    body = hal(api.get(URL + "?filter=user.email==*@example.com;state==idle"))

    assert [c["id"] for c in body["_embedded"]["conversations"]] == [wanted.id]


def test_it_gets_a_conversation(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    assert hal(api.get(f"{URL}/{conversation.id}")) == {
        "id": conversation.id,
        "channelId": world.channel.id,
        "state": "active",
        "assignment": {"type": "queue", "id": world.sales.public_id},
        "user": USER,
    }


def test_the_assignment_shows_the_agent_once_accepted(api: GatewayClient, world: World) -> None:
    agent = world.agent(public_id="agent-anna")
    conversation = create(world)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)

    assert hal(api.get(f"{URL}/{conversation.id}"))["assignment"] == {"type": "agent", "id": "agent-anna"}


def test_put_moves_a_queued_conversation_and_replaces_the_user(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.put(
        f"{URL}/{conversation.id}",
        {
            "channelId": world.channel.id,
            "user": {"name": "Jim"},
            "assignment": {"id": world.support.public_id},
        },
    )

    assert hal(response, 202) == {
        "id": conversation.id,
        "channelId": world.channel.id,
        "state": "active",
        "assignment": {"type": "queue", "id": world.support.public_id},
        "user": {"name": "Jim", "language": "en", "additionalProperties": []},
    }
    conversation.refresh_from_db()
    assert (conversation.queue, conversation.user) == (world.support, {"name": "Jim"})
    assert [event_summary(e) for e in events_of(conversation)][-3:] == [
        ("QUEUED", world.sales.public_id),
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
    ]


def test_patch_changes_only_what_it_names(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.patch(f"{URL}/{conversation.id}", {"user": {"name": "Jim", "language": "de"}})

    body = hal(response, 202)
    assert body["assignment"] == {"type": "queue", "id": world.sales.public_id}
    assert body["user"] == {"name": "Jim", "language": "de", "additionalProperties": []}
    assert [event_summary(e) for e in events_of(conversation)][-1] == (
        "CONVERSATION_UPDATE",
        "active",
        "queue",
        world.sales.public_id,
    )


def test_patch_to_an_unknown_queue_is_a_400_and_changes_nothing(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.patch(f"{URL}/{conversation.id}", {"assignment": {"type": "queue", "id": "999"}})

    assert response.status_code == 400
    assert problem(response)["errors"] == [{"code": "invalid_queue", "message": "Queue ID 999 is invalid."}]
    conversation.refresh_from_db()
    assert conversation.queue == world.sales


def test_an_unknown_conversation_is_not_found(api: GatewayClient) -> None:
    for response in (api.get(f"{URL}/nope"), api.put(f"{URL}/nope", {}), api.patch(f"{URL}/nope", {})):
        assert response.status_code == 404
        assert problem(response) == {
            "message": "Resource of type Conversation with id nope was not found.",
            "errors": ["Entity of type Conversation with id nope was not found."],
        }


def test_it_lists_interactions_with_their_times(api: GatewayClient, world: World) -> None:
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        conversation = create(world)
    with time_machine.travel("2026-03-02T10:05:00Z", tick=False):
        conversation_user_leave(conversation=conversation)
        api.post(f"{URL}/{conversation.id}/messages", {"authorType": "user", "text": "Back again"})

    first, second = conversation.interactions.order_by("started_at", "id")
    assert second.status == InteractionStatus.QUEUED
    assert hal(api.get(f"{URL}/{conversation.id}/interactions")) == {
        "_embedded": {
            "interactions": [
                {
                    "id": first.id,
                    "startTime": "2026-03-02T10:00:00.000Z",
                    "endTime": "2026-03-02T10:05:00.000Z",
                },
                {"id": second.id, "startTime": "2026-03-02T10:05:00.000Z"},
            ]
        },
        "_links": {"self": {"href": f"http://testserver{URL}/{conversation.id}/interactions"}},
        "page": {"size": 2, "number": 0, "totalElements": 2, "totalPages": 1},
    }
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ACTIVE


@override_settings(SANDBOX_MAX_MESSAGE_TEXT_LENGTH=10)
def test_a_history_text_over_the_length_limit_is_refused_naming_the_message(
    api: GatewayClient, world: World
) -> None:
    history = {"messages": [{"authorType": "bot", "text": "Hello"}, {"authorType": "user", "text": "x" * 11}]}

    response = api.post(URL, {"channelId": world.channel.id, "user": {"name": "Ann"}, "history": history})

    assert response.status_code == 400
    message = "history.messages[1].text: Ensure this field has no more than 10 characters."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_json_object", "message": message}],
    }
    assert not Conversation.objects.exists()
