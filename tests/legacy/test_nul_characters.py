"""A NUL character in any v2 input is refused with a 400 naming the field, on every database.

PostgreSQL stores no NUL in a text or jsonb column; the rule is the same on SQLite so that a
client meets it in its first test run, not in production.
"""

from typing import Any

import pytest
from django.test import Client

from conversations.models import Conversation, Message
from tests.legacy.conftest import LegacyWorld, basic

NUL_NOT_ALLOWED = "Null characters are not allowed."


def constraint_violation(*errors: str) -> dict[str, Any]:
    return {"message": "Constraint Violation", "errors": list(errors)}


@pytest.mark.parametrize(
    ("customer", "error"),
    [
        ({"name": "Ann\x00"}, f"customer.name: {NUL_NOT_ALLOWED}"),
        ({"favourite\x00colour": "blue"}, "customer: Property names may not contain null characters."),
    ],
)
def test_a_nul_in_the_customer_map_is_refused_naming_it(
    legacy: LegacyWorld, customer: dict[str, str], error: str
) -> None:
    response = legacy.api.post("/conversations", {"channelId": legacy.channel.id, "customer": customer})

    assert response.status_code == 400
    assert response.json() == constraint_violation(error)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"channelId": "c\x00", "customer": {}}, f"channelId: {NUL_NOT_ALLOWED}"),
        (
            {"customer": {}, "history": {"messages": [{"text": "hi\x00"}]}},
            f"history.messages[0].text: {NUL_NOT_ALLOWED}",
        ),
    ],
)
def test_a_nul_elsewhere_in_a_new_conversation_is_refused_naming_it(
    legacy: LegacyWorld, body: dict[str, Any], error: str
) -> None:
    body.setdefault("channelId", legacy.channel.id)

    response = legacy.api.post("/conversations", body)

    assert response.status_code == 400
    assert response.json() == constraint_violation(error)


def test_a_nul_in_a_message_text_is_refused(legacy: LegacyWorld) -> None:
    created = legacy.api.post("/conversations", {"channelId": legacy.channel.id, "customer": {"name": "Ann"}})
    conversation_id = created.json()["conversationId"]

    response = legacy.api.post(f"/conversations/{conversation_id}/messages", {"text": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == constraint_violation(f"text: {NUL_NOT_ALLOWED}")
    assert not Message.objects.filter(is_history=False).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "n\x00", "uri": "http://h/x"}, "name"), ({"name": "n", "uri": "http://h/x\x00"}, "uri")],
)
def test_a_nul_in_a_webhook_is_refused_naming_it(
    legacy: LegacyWorld, body: dict[str, Any], field: str
) -> None:
    response = legacy.api.post("/web-hooks", body)

    assert response.status_code == 400
    assert response.json() == constraint_violation(f"{field}: {NUL_NOT_ALLOWED}")


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        ({"name": "n\x00", "webHookId": "w", "routingOptions": {"id": "1"}}, "name", "n\x00"),
        ({"name": "n", "webHookId": "w\x00", "routingOptions": {"id": "1"}}, "webHookId", "w\x00"),
        ({"name": "n", "webHookId": "w", "routingOptions": {"id": "\x00"}}, "routingOptions.id", "\x00"),
    ],
)
def test_a_nul_in_a_channel_is_refused_naming_it(
    legacy: LegacyWorld, body: dict[str, Any], field: str, value: str
) -> None:
    response = legacy.api.post("/channels", body)

    assert response.status_code == 400
    code = "null_characters_not_allowed"
    assert response.json() == {
        "message": "Validation failed.",
        "errors": [{"code": code, "message": NUL_NOT_ALLOWED}],
        "validations": [{"field": field, "value": value, "code": code, "message": NUL_NOT_ALLOWED}],
    }


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"customer.email": "a\x00b"}, f"customer.email: {NUL_NOT_ALLOWED}"),
        ({"channel-id": "\x00"}, f"channel-id: {NUL_NOT_ALLOWED}"),
        ({"userId": "u\x00"}, f"userId: {NUL_NOT_ALLOWED}"),
    ],
)
def test_a_nul_in_a_list_filter_is_refused_naming_it(
    legacy: LegacyWorld, query: dict[str, str], error: str
) -> None:
    response = legacy.api.get("/conversations", query)

    assert response.status_code == 400
    assert response.json() == constraint_violation(error)


def test_a_nul_in_a_path_id_names_nothing_that_exists(legacy: LegacyWorld) -> None:
    response = legacy.api.get("/conversations/a%00b")

    assert response.status_code == 404


def test_a_key_with_a_nul_is_no_key(legacy: LegacyWorld, client: Client) -> None:
    response = client.post(
        "/oauth/v2/token",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": basic("key\x00", "secret")},
    )

    assert response.status_code == 401
    assert response.json() == {"ErrorCode": "invalid_client", "Error": "Client credentials are invalid"}
