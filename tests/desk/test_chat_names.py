"""The server names each chat (Conversation.display_name); the desk shows that name as given."""

import json
from typing import Any
from unittest import mock

import pytest

from conversations.desk.selectors import desk_snapshot
from conversations.groups import conversation_group
from conversations.models import Conversation
from conversations.services.lifecycle import conversation_create, conversation_update
from conversations.services.offers import offer_accept
from tests.factories import World
from webhooks.models import Delivery, Event


def create(world: World, user: dict[str, Any]) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user=user)


def event_pushes(sent: mock.MagicMock, conversation: Conversation) -> list[dict[str, Any]]:
    return [
        call.args[1]["payload"]
        for call in sent.call_args_list
        if call.args[0] == conversation_group(conversation.id) and call.args[1]["kind"] == "event"
    ]


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ({"name": "James Jones", "email": "james@example.com"}, "James Jones"),
        ({"email": "james@example.com", "phone": "+4412345"}, "james@example.com"),
        ({"userId": "u-1", "phone": "+4412345"}, "Customer"),
    ],
)
def test_offers_and_chats_carry_the_servers_name_for_the_user(
    world: World, user: dict[str, Any], name: str
) -> None:
    agent = world.agent()
    create(world, user)

    [offer] = desk_snapshot(agent.pk)["offers"]
    offer_accept(offer_id=offer["offerId"], agent=agent)
    [chat] = desk_snapshot(agent.pk)["chats"]

    assert (offer["displayName"], chat["displayName"]) == (name, name)


def test_a_user_change_tells_desks_the_new_name_but_not_webhooks(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = create(world, {"email": "james@example.com"})

    with (
        mock.patch("gateway_sim.broadcast._send") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        conversation_update(conversation=conversation, user={"name": "James Jones"})

    [push] = event_pushes(sent, conversation)
    event = Event.objects.get(event_id=push["eventId"])
    assert push == {
        "sequence": event.sequence,
        "eventId": event.event_id,
        **event.payload,
        "displayName": "James Jones",
    }
    assert (event.type, "displayName" in event.payload) == ("CONVERSATION_UPDATE", False)
    assert json.loads(Delivery.objects.get(event=event).body) == event.payload


def test_other_event_pushes_are_the_events_as_stored(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("gateway_sim.broadcast._send") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        conversation = create(world, {"name": "James Jones"})

    [queued] = [push for push in event_pushes(sent, conversation) if push["eventType"] == "QUEUED"]
    event = Event.objects.get(event_id=queued["eventId"])
    assert queued == {"sequence": event.sequence, "eventId": event.event_id, **event.payload}
