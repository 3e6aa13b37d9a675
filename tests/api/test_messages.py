"""Messages: post, list (newest first), get by id, and the cards of a message."""

import re
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from pytest_django import DjangoAssertNumQueries

from conversations.models import Card, Conversation, ConversationState, Message
from conversations.services.attachments import attachment_create
from conversations.services.lifecycle import conversation_create, conversation_user_leave
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import World
from tests.helpers import event_summary, events_of, last_sequence

URL = "/chat-gateway/v1/conversations"
QUICK_REPLIES = {
    "contentType": "application/8x8.quick.replies",
    "content": {"options": [{"title": "option one", "data": {"postback": "1"}}]},
}
ADAPTIVE = {
    "contentType": "application/vnd.microsoft.card.adaptive",
    "content": {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "Example"}]},
}


def create(world: World) -> Conversation:
    return conversation_create(
        tenant=world.tenant, channel_id=world.channel.id, user={"userId": "u-1", "language": "en"}
    )


def bad_request(body: dict[str, Any], message: str, code: str = "invalid_json_object") -> None:
    """BadRequestProblem: `errors` is one object."""
    assert body == {
        "message": message,
        "errors": {"code": code, "message": message},
        "referenceId": body["referenceId"],
    }
    assert re.fullmatch(r"[0-9a-f]{32}", body["referenceId"])


def test_posting_a_message_answers_202_and_echoes_it(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    since = last_sequence(conversation)

    response = api.post(
        f"{URL}/{conversation.id}/messages",
        {"authorType": "user", "text": "What would you like to do next?", "cards": [QUICK_REPLIES, ADAPTIVE]},
    )

    assert response.status_code == 202
    assert response.content == b""
    message = Message.objects.get()
    assert (message.author_type, message.author_id, message.text) == (
        "user",
        "u-1",
        "What would you like to do next?",
    )
    assert [(c.content_type, c.content) for c in message.cards.order_by("position")] == [
        (QUICK_REPLIES["contentType"], QUICK_REPLIES["content"]),
        (ADAPTIVE["contentType"], ADAPTIVE["content"]),
    ]
    assert [event_summary(e) for e in events_of(conversation, since=since)] == [
        ("MESSAGE", "user", True, "What would you like to do next?")
    ]


def test_a_new_message_is_broadcast_to_the_agents_desktop(
    api: GatewayClient, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = create(world)

    with (
        mock.patch("gateway_sim.broadcast._send") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        api.post(f"{URL}/{conversation.id}/messages", {"authorType": "user", "text": "Hi"})

    [(_, push)] = [c.args for c in sent.call_args_list if c.args[0] == f"conversation.{conversation.id}"]
    assert (push["kind"], push["payload"]["eventType"], push["payload"]["data"]["text"]) == (
        "event",
        "MESSAGE",
        "Hi",
    )


def test_a_user_message_reopens_an_idle_conversation(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    conversation_user_leave(conversation=conversation)
    since = last_sequence(conversation)

    api.post(f"{URL}/{conversation.id}/messages", {"authorType": "user", "text": "Back again"})

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ACTIVE
    assert [event_summary(e) for e in events_of(conversation, since=since)] == [
        ("MESSAGE", "user", True, "Back again"),
        ("CONVERSATION_UPDATE", "active", "queue", world.sales.public_id),
        ("QUEUED", world.sales.public_id),
    ]


def test_a_message_can_carry_uploaded_attachments_and_an_external_provider(
    api: GatewayClient, world: World
) -> None:
    conversation = create(world)
    file = attachment_create(
        conversation=conversation, author_type="user", upload=SimpleUploadedFile("a.png", b"png", "image/png")
    )

    response = api.post(
        f"{URL}/{conversation.id}/messages",
        {
            "authorType": "bot",
            "attachments": [{"id": f" {file.id} "}],
            "externalProvider": {"name": "X", "externalMessageId": "1234567890123456789"},
        },
    )

    assert response.status_code == 202
    message = Message.objects.get()
    assert list(message.attachments.all()) == [file]
    assert message.external_provider == {"name": "X", "externalMessageId": "1234567890123456789"}


QR = "application/8x8.quick.replies"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"authorType": "ghfgh", "text": "x"},
            "invalid_json_object",
            "Invalid authorType=ghfgh, has to be one of user, bot",
        ),
        ({"text": "x"}, "invalid_json_object", "authorType: This field is required."),
        (
            {"authorType": "user"},
            "invalid_json_object",
            "text is required when there is no externalProvider, attachment or card.",
        ),
        (
            {"authorType": "user", "text": "x", "externalProvider": {"name": "X", "externalMessageId": "1"}},
            "invalid_json_object",
            "text and externalProvider cannot be provided at the same time.",
        ),
        ({"authorType": "user", "text": 5}, None, None),
        (
            {"authorType": "user", "cards": [{"contentType": "text/html", "content": {}}]},
            "invalid_json_object",
            'Invalid contentType="text/html", has to be one of application/vnd.microsoft.card.adaptive, '
            "application/8x8.quick.replies, Interactive, Location, Template, Suggestions, Buttons, Carousel",
        ),
        (
            {"authorType": "user", "cards": [{"content": "not an object"}]},
            "invalid_json_object",
            'cards[0].content: Expected a dictionary of items but got type "str".',
        ),
        (
            {"authorType": "user", "cards": [{"contentType": QR, "content": {"options": "yes"}}]},
            "invalid_json_object",
            "cards[0].content.options: Must be a list of objects.",
        ),
        (
            {"authorType": "user", "cards": [{"contentType": QR, "content": {"options": [None]}}]},
            "invalid_json_object",
            "cards[0].content.options[0]: Must be an object with a string title.",
        ),
        (
            {"authorType": "user", "cards": [{"contentType": QR, "content": {"options": [{"data": {}}]}}]},
            "invalid_json_object",
            "cards[0].content.options[0].title: Must be a string.",
        ),
        (
            {
                "authorType": "user",
                "cards": [{"contentType": QR, "content": {"options": [{"title": "A", "data": 3}]}}],
            },
            "invalid_json_object",
            "cards[0].content.options[0].data: Must be an object.",
        ),
        (
            {
                "authorType": "user",
                "cards": [
                    {"contentType": QR, "content": {"options": [{"title": "A", "data": {"postback": 1}}]}}
                ],
            },
            "invalid_json_object",
            "cards[0].content.options[0].data.postback: Must be a string.",
        ),
        (
            {"authorType": "user", "attachments": [{"id": "nope"}]},
            "invalid_attachment",
            "Attachment ID nope is invalid.",
        ),
    ],
)
def test_an_invalid_message_is_a_bad_request_problem(
    api: GatewayClient, world: World, body: dict[str, Any], code: str | None, message: str | None
) -> None:
    conversation = create(world)

    response = api.post(f"{URL}/{conversation.id}/messages", body)

    if code is None:
        # A number where text is expected is taken as its string, like 8x8 does.
        assert response.status_code == 202
        assert Message.objects.get().text == "5"
        return
    assert response.status_code == 400
    bad_request(problem(response), message or "", code)
    assert not Message.objects.exists()


@override_settings(SANDBOX_MAX_MESSAGE_TEXT_LENGTH=10)
def test_a_text_over_the_length_limit_is_a_bad_request_problem_naming_the_field(
    api: GatewayClient, world: World
) -> None:
    conversation = create(world)

    at_limit = api.post(f"{URL}/{conversation.id}/messages", {"authorType": "user", "text": "x" * 10})
    over = api.post(f"{URL}/{conversation.id}/messages", {"authorType": "user", "text": "x" * 11})

    assert at_limit.status_code == 202
    assert over.status_code == 400
    bad_request(problem(over), "text: Ensure this field has no more than 10 characters.")
    assert list(Message.objects.values_list("text", flat=True)) == ["x" * 10]


def test_malformed_json_on_messages_is_a_bad_request_problem(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.post(f"{URL}/{conversation.id}/messages", "{")

    assert response.status_code == 400
    bad_request(
        problem(response),
        "Malformed JSON body: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        "invalid_json",
    )


def test_posting_to_an_unknown_conversation_is_not_found(api: GatewayClient) -> None:
    response = api.post(f"{URL}/nope/messages", {"authorType": "user", "text": "x"})

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource of type Conversation with id nope was not found.",
        "errors": ["Entity of type Conversation with id nope was not found."],
    }


def conversation_with_history(world: World) -> tuple[Conversation, list[Message]]:
    agent = world.agent(public_id="agent-anna")
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        conversation = conversation_create(
            tenant=world.tenant,
            channel_id=world.channel.id,
            user={"userId": "u-1", "language": "en"},
            history=[{"authorType": "user", "text": "one"}, {"authorType": "bot", "text": "two"}],
        )
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    with time_machine.travel("2026-03-02T10:01:00Z", tick=False):
        agent_message_send(conversation=conversation, agent=agent, text="three", cards=[QUICK_REPLIES])
    return conversation, list(Message.objects.order_by("seq"))


def test_it_lists_messages_newest_first(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    conversation, (one, two, three) = conversation_with_history(world)
    card = Card.objects.get()

    # key and tenant, conversation, count, page, attachments, cards, participants
    with django_assert_num_queries(7):
        response = api.get(f"{URL}/{conversation.id}/messages")

    assert hal(response) == {
        "_embedded": {
            "messages": [
                {
                    "id": three.id,
                    "text": "three",
                    "createdAt": "2026-03-02T10:01:00.000Z",
                    "author": {"id": "agent-anna", "removed": False, "type": "agent", "language": "en"},
                    "attachments": [],
                    "cards": [
                        {
                            "id": card.id,
                            "contentType": "application/8x8.quick.replies",
                            "content": QUICK_REPLIES["content"],
                            "actionSubmitted": False,
                            "actionExecuted": False,
                        }
                    ],
                },
                {
                    "id": two.id,
                    "text": "two",
                    "createdAt": "2026-03-02T10:00:00.000Z",
                    "author": {"id": world.webhook.id, "removed": False, "type": "bot", "language": "en"},
                    "attachments": [],
                    "cards": [],
                },
                {
                    "id": one.id,
                    "text": "one",
                    "createdAt": "2026-03-02T10:00:00.000Z",
                    "author": {"id": "u-1", "removed": False, "type": "user", "language": "en"},
                    "attachments": [],
                    "cards": [],
                },
            ]
        },
        "_links": {"self": {"href": f"http://testserver{URL}/{conversation.id}/messages"}},
        "page": {"size": 20, "number": 0, "totalElements": 3, "totalPages": 1},
    }


def test_messages_sort_only_by_creation(api: GatewayClient, world: World) -> None:
    conversation, _ = conversation_with_history(world)

    body = hal(api.get(f"{URL}/{conversation.id}/messages?sort=createdAt:asc&size=2"))
    assert [m["text"] for m in body["_embedded"]["messages"]] == ["one", "two"]

    response = api.get(f"{URL}/{conversation.id}/messages?sort=text:asc")
    assert response.status_code == 400
    message = "Invalid sort=text:asc: text cannot be sorted on (fields: createdAt)."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_parameter", "message": message}],
    }


def test_messages_of_an_unknown_conversation_use_the_generic_404(api: GatewayClient) -> None:
    response = api.get(f"{URL}/nope/messages")

    assert response.status_code == 404
    message = "Entity of type Conversation with id nope was not found."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "resource_not_found", "message": message}],
    }


def test_it_gets_one_message(api: GatewayClient, world: World) -> None:
    conversation, (one, _, _) = conversation_with_history(world)

    assert hal(api.get(f"{URL}/{conversation.id}/messages/{one.id}")) == {
        "id": one.id,
        "text": "one",
        "createdAt": "2026-03-02T10:00:00.000Z",
        "author": {"id": "u-1", "removed": False, "type": "user", "language": "en"},
        "attachments": [],
        "cards": [],
    }


def test_an_unknown_message_is_not_found(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    response = api.get(f"{URL}/{conversation.id}/messages/nope")

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource of type Message with id nope was not found.",
        "errors": ["Entity of type Message with id nope was not found."],
    }


def test_it_lists_the_cards_of_a_message(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    conversation, (_, _, three) = conversation_with_history(world)
    card = Card.objects.get()
    card.action_submitted = True
    card.save()

    # key and tenant, conversation, message, count, page
    with django_assert_num_queries(5):
        response = api.get(f"{URL}/{conversation.id}/messages/{three.id}/cards")

    assert hal(response) == {
        "_embedded": {
            "cards": [
                {
                    "id": card.id,
                    "contentType": "application/8x8.quick.replies",
                    "content": QUICK_REPLIES["content"],
                    "actionSubmitted": True,
                    "actionExecuted": False,
                }
            ]
        },
        "_links": {"self": {"href": f"http://testserver{URL}/{conversation.id}/messages/{three.id}/cards"}},
        "page": {"size": 20, "number": 0, "totalElements": 1, "totalPages": 1},
    }
