"""Card actions at `/api/v1/tenant/{tenantId}/conversations/{id}/cards/{cardId}/action-*`."""

from typing import Any

import pytest

from conversations.models import Card, Conversation
from conversations.services.lifecycle import conversation_create
from conversations.services.messages import message_post
from tests.api.conftest import GatewayClient, problem
from tests.factories import World
from tests.helpers import events_of, last_sequence

QUICK_REPLIES = {
    "contentType": "application/8x8.quick.replies",
    "content": {"options": [{"title": "Check order status", "data": {"postback": "order_status"}}]},
}
ADAPTIVE = {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard"}}


def card_in(world: World, card: dict[str, Any]) -> tuple[Conversation, Card]:
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ann"})
    message = message_post(conversation=conversation, author_type="bot", text="Choose", cards=[card])
    return conversation, message.cards.get()


def path(world: World, conversation: Conversation, card_id: str, action: str) -> str:
    return f"/api/v1/tenant/{world.tenant.id}/conversations/{conversation.id}/cards/{card_id}/action-{action}"


def test_submitting_a_quick_reply_sets_the_flag_and_emits_the_activity(
    api: GatewayClient, world: World
) -> None:
    conversation, card = card_in(world, QUICK_REPLIES)
    since = last_sequence(conversation)

    response = api.put(path(world, conversation, card.id, "submit"), {"name": "order_status"})

    assert response.status_code == 204
    assert response.content == b""
    card.refresh_from_db()
    assert (card.action_submitted, card.action_executed) == (True, False)
    assert card.submitted_value == {"title": "Check order status", "payload": "order_status"}
    [event] = events_of(conversation, since=since)
    assert event["data"] == {
        "name": "quickReply/action",
        "value": {"type": "postback", "data": {"title": "Check order status", "payload": "order_status"}},
    }


def test_executing_an_adaptive_card_sets_its_flag(api: GatewayClient, world: World) -> None:
    conversation, card = card_in(world, ADAPTIVE)
    since = last_sequence(conversation)

    response = api.put(path(world, conversation, card.id, "execute"), {"name": "8x8-Int"})

    assert response.status_code == 204
    card.refresh_from_db()
    assert (card.action_submitted, card.action_executed) == (False, True)
    [event] = events_of(conversation, since=since)
    assert event["data"] == {
        "name": "adaptiveCard/action",
        "value": {"type": "Action.Execute", "data": {"name": "8x8-Int"}},
    }


def test_a_quick_reply_that_is_no_option_is_a_400(api: GatewayClient, world: World) -> None:
    conversation, card = card_in(world, QUICK_REPLIES)

    response = api.put(path(world, conversation, card.id, "submit"), {"name": "nope"})

    assert response.status_code == 400
    message = f"Quick reply option nope is not an option of card {card.id}."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_parameter", "message": message}],
    }
    card.refresh_from_db()
    assert not card.action_submitted


@pytest.mark.parametrize("what", ["card", "conversation"])
def test_an_unknown_card_or_conversation_is_a_resource_not_found_exception(
    api: GatewayClient, world: World, what: str
) -> None:
    conversation, card = card_in(world, ADAPTIVE)
    url = path(world, conversation, "nope", "submit")
    entity = "Card"
    if what == "conversation":
        url = f"/api/v1/tenant/{world.tenant.id}/conversations/nope/cards/{card.id}/action-submit"
        entity = "Conversation"

    response = api.put(url, {"name": "x"})

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource not found",
        "errors": [
            {"code": "resource_not_found", "message": f"Entity of type {entity} with id nope was not found."}
        ],
    }


def test_the_tenant_of_the_path_wins_over_the_header(api: GatewayClient, world: World) -> None:
    conversation, card = card_in(world, ADAPTIVE)
    client = GatewayClient(world.api_key.key, **{"X-8x8-Tenant": "someone-else"})

    assert client.put(path(world, conversation, card.id, "submit"), {}).status_code == 204
