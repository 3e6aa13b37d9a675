"""Flat v2 events on the deliveries of v1.0/v2.0 webhooks, in the order things happen."""

import json
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conversations.attachment_links import presigned_url
from conversations.models import Conversation
from conversations.services.activity import agent_typing
from conversations.services.attachments import attachment_create
from conversations.services.lifecycle import conversation_end_by_agent, conversation_transfer
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.legacy.conftest import LegacyWorld, legacy_world_create
from webhooks.models import Delivery, Webhook


def bodies(webhook: Webhook) -> list[dict[str, Any]]:
    return [json.loads(d.body) for d in Delivery.objects.filter(webhook=webhook).order_by("event_id", "id")]


def start(legacy: LegacyWorld) -> Conversation:
    response = legacy.api.post(
        "/conversations", {"channelId": legacy.channel.id, "customer": {"name": "Ann", "customerId": "c-1"}}
    )
    return Conversation.objects.get(pk=response.json()["conversationId"])


def accept(conversation: Conversation, agent) -> None:  # type: ignore[no-untyped-def]
    offer_accept(
        offer_id=conversation.interactions.get(status="queued").offers.get(status="pending").id, agent=agent
    )


def test_a_whole_chat_is_told_as_flat_agent_side_events(legacy: LegacyWorld) -> None:
    anna = legacy.world.agent(name="Anna Agent", queues=[legacy.world.sales])
    bert = legacy.world.agent(name="Bert Agent", queues=[legacy.world.support])
    moment = timezone.now().replace(microsecond=0)
    ms = int(moment.timestamp() * 1000)

    with time_machine.travel(moment, tick=False):
        conversation = start(legacy)
        accept(conversation, anna)
        agent_typing(conversation=conversation, agent=anna, typing=True)
        agent_message_send(conversation=conversation, agent=anna, text="Hi Ann, how can I help?")
        legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "Billing, please"})
        conversation_transfer(conversation=conversation, agent=anna, queue_id=legacy.world.support.public_id)
        accept(conversation, bert)
        agent_message_send(conversation=conversation, agent=bert, text="Bert here")
        conversation_end_by_agent(conversation=conversation, agent=bert)

    head = {"conversationId": conversation.id, "timestamp": ms}
    sales, support = legacy.world.sales, legacy.world.support
    assert bodies(legacy.webhook) == [
        {
            "eventType": "QUEUED",
            "messageType": "SYSTEM",
            **head,
            "queueId": sales.public_id,
            "queueName": "Sales",
        },
        {
            "eventType": "AGENT_JOINED",
            "messageType": "SYSTEM",
            **head,
            "agentId": anna.public_id,
            "agentName": "Anna Agent",
        },
        {
            "eventType": "TEXT",
            "messageType": "AGENT",
            **head,
            "agentId": anna.public_id,
            "agentName": "Anna Agent",
            "message": "Hi Ann, how can I help?",
        },
        {"eventType": "TRANSFER", "messageType": "SYSTEM", **head},
        {
            "eventType": "AGENT_LEFT",
            "messageType": "SYSTEM",
            **head,
            "agentId": anna.public_id,
            "agentName": "Anna Agent",
        },
        {
            "eventType": "QUEUED",
            "messageType": "SYSTEM",
            **head,
            "queueId": support.public_id,
            "queueName": "Support",
        },
        {
            "eventType": "AGENT_JOINED",
            "messageType": "SYSTEM",
            **head,
            "agentId": bert.public_id,
            "agentName": "Bert Agent",
        },
        {
            "eventType": "TEXT",
            "messageType": "AGENT",
            **head,
            "agentId": bert.public_id,
            "agentName": "Bert Agent",
            "message": "Bert here",
        },
        {
            "eventType": "AGENT_LEFT",
            "messageType": "SYSTEM",
            **head,
            "agentId": bert.public_id,
            "agentName": "Bert Agent",
        },
    ]


def test_bodies_are_compact_json_in_the_documented_key_order(legacy: LegacyWorld) -> None:
    conversation = start(legacy)

    [delivery] = Delivery.objects.filter(webhook=legacy.webhook)

    assert delivery.body == (
        f'{{"eventType":"QUEUED","messageType":"SYSTEM","conversationId":"{conversation.id}",'
        f'"timestamp":{json.loads(delivery.body)["timestamp"]},'
        f'"queueId":"{legacy.world.sales.public_id}","queueName":"Sales"}}'
    )
    # The same event id as the Gateway envelope in the outbox: one fact, two formats.
    assert delivery.event.type == "QUEUED"


def test_v2_deliveries_are_signed_and_v1_deliveries_are_not(db: None, client: Client) -> None:
    v2 = legacy_world_create(client, webhook_version="v2.0")
    v1 = legacy_world_create(client, webhook_version="v1.0")

    start(v2)
    start(v1)

    assert [d.signed for d in Delivery.objects.filter(webhook=v2.webhook)] == [True]
    assert [d.signed for d in Delivery.objects.filter(webhook=v1.webhook)] == [False]
    assert bodies(v1.webhook)[0]["eventType"] == "QUEUED"


def test_the_customer_leaving_is_told_as_agent_left(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent(name="Anna Agent")
    conversation = start(legacy)
    accept(conversation, agent)

    legacy.api.delete(f"/conversations/{conversation.id}/participants/customer")

    assert [b["eventType"] for b in bodies(legacy.webhook)] == ["QUEUED", "AGENT_JOINED", "AGENT_LEFT"]


def test_an_agents_file_reaches_v2_as_its_link(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent(name="Anna Agent")
    conversation = start(legacy)
    accept(conversation, agent)
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4", content_type="application/pdf")
    attachment = attachment_create(conversation=conversation, author_type="agent", upload=upload)

    with time_machine.travel(timezone.now(), tick=False):
        agent_message_send(
            conversation=conversation, agent=agent, text="Here it is", attachment_ids=[attachment.id]
        )
        link = presigned_url(attachment.id)

    text = bodies(legacy.webhook)[-1]
    assert text["eventType"] == "TEXT"
    assert text["message"] == f"Here it is\n{link}"


def test_integration_messages_typing_and_updates_are_not_sent_to_v2(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent()
    conversation = start(legacy)
    accept(conversation, agent)

    agent_typing(conversation=conversation, agent=agent, typing=True)
    agent_typing(conversation=conversation, agent=agent, typing=False)
    legacy.api.post(f"/conversations/{conversation.id}/messages", {"text": "hello?"})
    legacy.api.post(f"/conversations/{conversation.id}/messages", {"authorType": "bot", "text": "beep"})

    assert [b["eventType"] for b in bodies(legacy.webhook)] == ["QUEUED", "AGENT_JOINED"]
    # The outbox still holds every Gateway event, for the console and Gateway webhooks.
    assert conversation.events.filter(type="ACTIVITY").count() == 2


def test_a_legacy_conversation_on_a_gateway_webhook_gets_gateway_events(legacy: LegacyWorld) -> None:
    legacy.webhook.version = "Chat Gateway v1.0"
    legacy.webhook.save()

    conversation = start(legacy)

    kinds = [(b["eventType"], b.get("data", {}).get("state")) for b in bodies(legacy.webhook)]
    assert kinds == [("CONVERSATION_UPDATE", "created"), ("CONVERSATION_UPDATE", "active"), ("QUEUED", None)]
    assert bodies(legacy.webhook)[0]["data"]["user"]["additionalProperties"] == []
    assert conversation.user["userId"] == "c-1"
