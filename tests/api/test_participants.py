"""Participants, the user leaving, post-agent assignment, typing, thinking and read receipts."""

import re
from typing import Any
from unittest import mock

import pytest
import time_machine

from conversations.models import Conversation, ConversationState, Message, PostAgentAssignment
from conversations.services.lifecycle import conversation_create, conversation_user_leave
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import WebhookFactory, World
from tests.helpers import event_summary, events_of, last_sequence

URL = "/chat-gateway/v1/conversations"


def create(world: World) -> Conversation:
    return conversation_create(
        tenant=world.tenant, channel_id=world.channel.id, user={"userId": "u-1", "language": "de"}
    )


def with_agent(world: World) -> Conversation:
    agent = world.agent(public_id="agent-anna")
    conversation = create(world)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    conversation.refresh_from_db()
    return conversation


def invalid_parameter(body: dict[str, Any], message: str, code: str = "invalid_json_object") -> None:
    assert body == {
        "message": message,
        "errors": [{"code": code, "message": message}],
        "referenceId": body["referenceId"],
    }
    assert re.fullmatch(r"[0-9a-f]{16}", body["referenceId"])


def test_it_lists_everyone_who_joined(api: GatewayClient, world: World) -> None:
    conversation = with_agent(world)

    assert hal(api.get(f"{URL}/{conversation.id}/participants")) == {
        "_embedded": {
            "participants": [
                {"id": "u-1", "removed": False, "type": "user", "language": "de"},
                {"id": "agent-anna", "removed": False, "type": "agent", "language": "de"},
            ]
        },
        "_links": {"self": {"href": f"http://testserver{URL}/{conversation.id}/participants"}},
        "page": {"size": 2, "number": 0, "totalElements": 2, "totalPages": 1},
    }


def test_participants_of_an_unknown_conversation_use_the_generic_404(api: GatewayClient) -> None:
    response = api.get(f"{URL}/nope/participants")

    assert response.status_code == 404
    message = "Entity of type Conversation with id nope was not found."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "resource_not_found", "message": message}],
    }


def test_the_user_leaves_and_the_conversation_goes_idle(api: GatewayClient, world: World) -> None:
    conversation = with_agent(world)
    since = last_sequence(conversation)

    response = api.patch(
        f"{URL}/{conversation.id}/participants/user", {"removed": True, "displayMessage": "Bot flow ended"}
    )

    assert response.status_code == 204
    assert response.content == b""
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE
    assert [event_summary(e) for e in events_of(conversation, since=since)] == [
        ("MEMBERS_CHANGED", "user", "left", "u-1"),
        ("MEMBERS_CHANGED", "agent", "left", "agent-anna"),
        ("CONVERSATION_UPDATE", "idle", "agent", "agent-anna"),
    ]
    participants = hal(api.get(f"{URL}/{conversation.id}/participants"))["_embedded"]["participants"]
    assert [(p["id"], p["removed"]) for p in participants] == [("u-1", True), ("agent-anna", True)]


def test_removed_false_changes_nothing(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    since = last_sequence(conversation)

    assert api.patch(f"{URL}/{conversation.id}/participants/user", {"removed": False}).status_code == 204

    assert events_of(conversation, since=since) == []


def test_it_schedules_a_post_agent_assignment_with_numbers_sent_as_strings(
    api: GatewayClient, world: World
) -> None:
    conversation = create(world)
    bot = WebhookFactory(tenant=world.tenant, name="Survey bot")

    response = api.post(
        f"{URL}/{conversation.id}/post-agent-assignment",
        {
            "type": "webhook",
            "id": f" {bot.id} ",
            "configuration": {
                "notifyChannelWebhookIfExists": "true",
                "maxTotalMinutes": "300",
                "userTimeoutInMinutes": "150",
            },
        },
    )

    assert response.status_code == 201
    assert response.content == b""
    paa = PostAgentAssignment.objects.get()
    assert (paa.conversation, paa.webhook, paa.notify_channel_webhook) == (conversation, bot, True)
    assert (paa.max_total_minutes, paa.user_timeout_minutes, paa.activated_at) == (300, 150, None)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"type": "webhook", "id": "nope"}, "invalid_parameter", "Webhook ID nope is invalid."),
        ({"type": "queue", "id": "x"}, "invalid_json_object", "Invalid type=queue, has to be webhook"),
        (
            {"type": "webhook", "id": "x", "configuration": {"maxTotalMinutes": 5}},
            "invalid_json_object",
            "configuration.maxTotalMinutes: Ensure this value is greater than or equal to 20.",
        ),
    ],
)
def test_an_invalid_post_agent_assignment_is_an_invalid_parameter_400(
    api: GatewayClient, world: World, body: dict[str, Any], code: str, message: str
) -> None:
    conversation = create(world)

    response = api.post(f"{URL}/{conversation.id}/post-agent-assignment", body)

    assert response.status_code == 400
    invalid_parameter(problem(response), message, code)
    assert not PostAgentAssignment.objects.exists()


def test_a_second_post_agent_assignment_is_refused(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    path = f"{URL}/{conversation.id}/post-agent-assignment"
    assert api.post(path, {"type": "webhook", "id": world.webhook.id}).status_code == 201

    response = api.post(path, {"type": "webhook", "id": world.webhook.id})

    assert response.status_code == 400
    invalid_parameter(
        problem(response),
        f"Post agent assignment already exists for conversation {conversation.id} "
        f"and tenant {world.tenant.id}",
        "invalid_parameter",
    )


@pytest.mark.parametrize("action", ["post-agent-assignment", "typing", "thinking", "read-receipt"])
def test_indicators_of_an_unknown_conversation_use_the_exception_404(api: GatewayClient, action: str) -> None:
    response = api.post(
        f"{URL}/nope/{action}", {"authorType": "bot", "type": "webhook", "id": "x", "readAt": 1}
    )

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource not found",
        "errors": [
            {
                "code": "resource_not_found",
                "message": "Entity of type Conversation with id nope was not found.",
            }
        ],
    }


@pytest.mark.parametrize(
    ("action", "body", "kind", "payload"),
    [
        ("typing", {"authorType": "user"}, "activity.typing", {"authorType": "user"}),
        (
            "thinking",
            {"maxThinkingTimeSeconds": "30"},
            "activity.thinking",
            {"authorType": "bot", "maxThinkingTimeSeconds": 30},
        ),
        (
            "read-receipt",
            {"authorType": "bot", "readAt": 1772445630000},
            "activity.read",
            {"authorType": "bot", "readAt": "2026-03-02T10:00:30+00:00"},
        ),
    ],
)
def test_indicators_are_broadcast_to_the_agents_desktop_and_emit_no_event(
    api: GatewayClient,
    world: World,
    django_capture_on_commit_callbacks: Any,
    action: str,
    body: dict[str, Any],
    kind: str,
    payload: dict[str, Any],
) -> None:
    conversation = create(world)
    since = last_sequence(conversation)

    with (
        mock.patch("gateway_sim.broadcast._send") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(f"{URL}/{conversation.id}/{action}", body)

    assert response.status_code == 204
    sent.assert_called_once_with(
        f"conversation.{conversation.id}",
        {"type": "desk.push", "kind": kind, "payload": {"conversationId": conversation.id, **payload}},
    )
    assert events_of(conversation, since=since) == []


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("typing", {}, "authorType: This field is required."),
        ("typing", {"authorType": "agent"}, "Invalid authorType=agent, has to be one of bot, user"),
        ("thinking", {"authorType": "user"}, "Invalid authorType=user, has to be one of bot"),
        (
            "thinking",
            {"maxThinkingTimeSeconds": 601},
            "maxThinkingTimeSeconds: Ensure this value is less than or equal to 600.",
        ),
        ("read-receipt", {"authorType": "user"}, "readAt: This field is required."),
        ("read-receipt", {"authorType": "user", "readAt": "soon"}, "readAt: A valid integer is required."),
    ],
)
def test_invalid_indicators_are_invalid_parameter_400s(
    api: GatewayClient, world: World, action: str, body: dict[str, Any], message: str
) -> None:
    conversation = create(world)

    response = api.post(f"{URL}/{conversation.id}/{action}", body)

    assert response.status_code == 400
    invalid_parameter(problem(response), message)


def test_thinking_takes_no_body(api: GatewayClient, world: World) -> None:
    conversation = create(world)

    # curl -X POST: no body, no Content-Type.
    assert api.client.generic("POST", f"{URL}/{conversation.id}/thinking").status_code == 204
    assert api.post(f"{URL}/{conversation.id}/thinking", "").status_code == 204


def test_typing_in_an_idle_conversation_is_refused(api: GatewayClient, world: World) -> None:
    conversation = create(world)
    conversation_user_leave(conversation=conversation)

    response = api.post(f"{URL}/{conversation.id}/typing", {"authorType": "bot"})

    assert response.status_code == 400
    invalid_parameter(problem(response), f"Conversation {conversation.id} is idle.", "invalid_parameter")


def test_a_read_receipt_marks_the_agents_messages_up_to_read_at(api: GatewayClient, world: World) -> None:
    conversation = with_agent(world)
    agent = conversation.agent
    assert agent is not None
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        read = agent_message_send(conversation=conversation, agent=agent, text="Hello")
    with time_machine.travel("2026-03-02T10:01:00Z", tick=False):
        unread = agent_message_send(conversation=conversation, agent=agent, text="Still there?")

    response = api.post(
        f"{URL}/{conversation.id}/read-receipt", {"authorType": "user", "readAt": "1772445630000"}
    )

    assert response.status_code == 204
    assert Message.objects.get(pk=read.pk).read_at is not None
    assert Message.objects.get(pk=unread.pk).read_at is None


def test_a_user_read_receipt_is_refused_outside_chat_api_channels(api: GatewayClient, world: World) -> None:
    conversation = with_agent(world)
    world.channel.type = "WhatsApp"
    world.channel.save(update_fields=["type"])

    response = api.post(f"{URL}/{conversation.id}/read-receipt", {"authorType": "user", "readAt": 1})

    assert response.status_code == 400
    invalid_parameter(
        problem(response),
        "Read receipts with authorType=user are only accepted on ChatAPI channels, not on WhatsApp.",
        "invalid_parameter",
    )
