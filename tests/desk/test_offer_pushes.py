"""What desktops are told about offers: the payload of each push, and who receives it."""

from unittest import mock

import pytest

from conversations.events.desk import offer_payload
from conversations.groups import agent_group, tenant_group
from conversations.services.lifecycle import conversation_create
from conversations.services.offers import offer_accept
from tests.factories import World

USER = {"name": "James Jones", "language": "fr"}


def offer_pushes(sent: mock.MagicMock) -> list[tuple[str, str, str]]:
    return [
        (call.args[0], call.args[1]["kind"], call.args[1]["payload"]["agentId"])
        for call in sent.call_args_list
        if call.args[1]["kind"].startswith("offer.")
    ]


def test_an_offer_payload_names_the_user_queue_language_and_deadline(world: World) -> None:
    agent = world.agent()
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user=dict(USER))
    offer = conversation.interactions.get().offers.get()

    assert offer_payload(offer) == {
        "offerId": offer.id,
        "conversationId": conversation.id,
        "agentId": agent.public_id,
        "status": "pending",
        "queueId": world.sales.public_id,
        "queueName": "Sales",
        "displayName": "James Jones",
        "language": "fr",
        "expiresAt": offer.expires_at.isoformat(),
    }


@pytest.mark.django_db(transaction=True)
def test_a_chat_picked_by_another_agent_leaves_the_offered_agents_desktop(world: World) -> None:
    offered = world.agent()
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user=dict(USER))
    picker = world.agent()

    with mock.patch("gateway_sim.broadcast._send") as sent:
        offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=picker)

    assert offer_pushes(sent) == [
        (agent_group(picker.pk), "offer.accepted", picker.public_id),
        (tenant_group(world.tenant.id), "offer.accepted", picker.public_id),
        (agent_group(offered.pk), "offer.accepted", picker.public_id),
    ]
