"""A NUL character in any Gateway input is refused with a 400 naming the field, on every database.

PostgreSQL stores no NUL in a text or jsonb column; the rule is the same on SQLite so that a
client meets it in its first test run, not in production.
"""

from typing import Any

import pytest

from conversations.models import Conversation, Message
from conversations.services.lifecycle import conversation_create
from tests.api.conftest import GatewayClient, problem
from tests.factories import World

URL = "/chat-gateway/v1"
NUL_NOT_ALLOWED = "Null characters are not allowed."


def generic(message: str, code: str = "invalid_json_object") -> dict[str, Any]:
    return {"message": message, "errors": [{"code": code, "message": message}]}


def test_a_nul_in_an_email_address_is_refused_and_makes_it_no_email_address(
    api: GatewayClient, world: World
) -> None:
    body = {"channelId": world.channel.id, "user": {"email": "ann\x00@example.com"}}

    response = api.post(f"{URL}/conversations", body)

    assert response.status_code == 400
    messages = [f"user.email: {NUL_NOT_ALLOWED}", "user.email: Enter a valid email address."]
    assert problem(response) == {
        "message": "; ".join(messages),
        "errors": [{"code": "invalid_json_object", "message": message} for message in messages],
    }


def conversation_of(world: World) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ann"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"user": {"name": "Ann\x00"}}, "user.name"),
        (
            {"user": {"additionalProperties": [{"key": "k\x00", "value": "v"}]}},
            "user.additionalProperties[0].key",
        ),
        (
            {"user": {"additionalProperties": [{"key": "k", "value": "v\x00"}]}},
            "user.additionalProperties[0].value",
        ),
        ({"assignment": {"type": "queue", "id": "1\x00"}}, "assignment.id"),
        (
            {"history": {"messages": [{"authorType": "user", "text": "hi\x00"}]}},
            "history.messages[0].text",
        ),
    ],
)
def test_a_nul_in_a_new_conversation_is_refused_naming_the_field(
    api: GatewayClient, world: World, change: dict[str, Any], field: str
) -> None:
    body = {"channelId": world.channel.id, "user": {"name": "Ann"}, **change}

    response = api.post(f"{URL}/conversations", body)

    assert response.status_code == 400
    assert problem(response) == generic(f"{field}: {NUL_NOT_ALLOWED}")
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"authorType": "user", "text": "a\x00b"}, "text"),
        (
            {"authorType": "user", "externalProvider": {"name": "X", "externalMessageId": "\x00"}},
            "externalProvider.externalMessageId",
        ),
        ({"authorType": "user", "attachments": [{"id": "a\x00"}]}, "attachments[0].id"),
        (
            {"authorType": "user", "cards": [{"content": {"body": [{"type": "TextBlock", "text": "\x00"}]}}]},
            "cards[0].content.body[0].text",
        ),
    ],
)
def test_a_nul_in_a_message_is_refused_naming_the_field(
    api: GatewayClient, world: World, body: dict[str, Any], field: str
) -> None:
    conversation = conversation_of(world)

    response = api.post(f"{URL}/conversations/{conversation.id}/messages", body)

    assert response.status_code == 400
    message = f"{field}: {NUL_NOT_ALLOWED}"
    assert {key: problem(response)[key] for key in ("message", "errors")} == {
        "message": message,
        "errors": {"code": "invalid_json_object", "message": message},
    }
    assert not Message.objects.exists()


def test_a_nul_in_a_card_property_name_is_refused(api: GatewayClient, world: World) -> None:
    conversation = conversation_of(world)
    body = {"authorType": "user", "cards": [{"content": {"ti\x00tle": "x"}}]}

    response = api.post(f"{URL}/conversations/{conversation.id}/messages", body)

    assert response.status_code == 400
    assert problem(response)["message"] == "cards[0].content: Property names may not contain null characters."


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("webhooks", {"name": "n\x00", "uri": "http://h/x"}, "name"),
        ("webhooks", {"name": "n", "uri": "http://h/x\x00"}, "uri"),
        (
            "channels",
            {"name": "n\x00", "webHookId": "w", "routingOptions": {"type": "queue", "id": "1"}},
            "name",
        ),
        (
            "channels",
            {"name": "n", "webHookId": "w\x00", "routingOptions": {"type": "queue", "id": "1"}},
            "webHookId",
        ),
        (
            "channels",
            {"name": "n", "webHookId": "w", "routingOptions": {"type": "queue", "id": "\x00"}},
            "routingOptions.id",
        ),
    ],
)
def test_a_nul_in_a_webhook_or_channel_is_refused_naming_the_field(
    api: GatewayClient, path: str, body: dict[str, Any], field: str
) -> None:
    response = api.post(f"{URL}/{path}", body)

    assert response.status_code == 400
    assert problem(response) == generic(f"{field}: {NUL_NOT_ALLOWED}")


def test_a_nul_in_a_card_action_is_refused_naming_the_field(api: GatewayClient, world: World) -> None:
    conversation = conversation_of(world)
    path = f"/api/v1/tenant/{world.tenant.id}/conversations/{conversation.id}/cards/some-card/action-submit"

    response = api.put(path, {"name": "\x00"})

    assert response.status_code == 400
    assert problem(response) == generic(f"name: {NUL_NOT_ALLOWED}")


@pytest.mark.parametrize(
    "query",
    ["filter=user.name==a%00b", "sort=na%00me:asc", "size=1%00"],
)
def test_a_nul_in_a_list_query_is_a_bad_request(api: GatewayClient, world: World, query: str) -> None:
    conversation_of(world)

    response = api.get(f"{URL}/conversations?{query}")

    assert response.status_code == 400
    assert problem(response)["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "conversations/a%00b",
        "conversations/a%00b/messages",
        "webhooks/a%00b",
        "channels/a%00b",
    ],
)
def test_a_nul_in_a_path_id_names_nothing_that_exists(api: GatewayClient, path: str) -> None:
    response = api.get(f"{URL}/{path}")

    assert response.status_code == 404
