"""Conversations and their transcript: one JSON document, and its normalised form for snapshots."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse

from conversations.api.gateway.base import iso_timestamp
from conversations.models import Conversation, Offer
from conversations.services.attachments import agent_attachment_create
from conversations.services.messages import agent_message_send, message_post
from conversations.services.offers import offer_accept
from gateway_sim.control.snapshot import normalized
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create
from tests.webhooks.receiver import Receiver, receiver
from tests.webhooks.support import start_conversation
from webhooks.claims import claim_due
from webhooks.models import Delivery, Event
from webhooks.worker import attempt

__all__ = ["receiver"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def body(response: HttpResponse) -> Any:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def deliver_due() -> None:
    while claimed := claim_due().deliveries:
        for delivery in claimed:
            attempt(delivery)


def scenario(receiver: Receiver) -> tuple[World, Conversation]:
    """A fresh world: a chat is accepted, both sides talk, a file is sent, one delivery is retried."""
    world = world_create(uri=receiver.url)
    agent = world.agent(name="Anna")
    conversation = start_conversation(world, "Ada")
    offer_accept(offer_id=Offer.objects.get(agent=agent).id, agent=agent)
    receiver.respond_with(sequence=[500])
    deliver_due()
    message_post(conversation=conversation, author_type="user", text="My order is late.")
    upload = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4", content_type="application/pdf")
    receipt = agent_attachment_create(agent=agent, conversation_id=conversation.id, upload=upload)
    agent_message_send(
        conversation=conversation, agent=agent, text="Here it is.", attachment_ids=[receipt.id]
    )
    Delivery.objects.filter(event__tenant=world.tenant, status="pending").update(
        next_attempt_at=conversation.created_at
    )
    deliver_due()
    return world, conversation


def test_it_lists_the_tenants_conversations_newest_first(world: World, control: GatewayClient) -> None:
    first = start_conversation(world, "Ada")
    second = start_conversation(world, "Bo")
    start_conversation(world_create(), "Elsewhere")

    listed = body(control.get("/sandbox/v1/conversations"))

    assert listed == {
        "conversations": [
            {
                "id": conversation.id,
                "state": "active",
                "api": "gateway",
                "channelId": world.channel.id,
                "channel": "ChatAPI",
                "userName": name,
                "createdAt": iso_timestamp(conversation.created_at),
            }
            for conversation, name in ((second, "Bo"), (first, "Ada"))
        ],
        "hasMore": False,
    }
    assert body(control.get("/sandbox/v1/conversations?state=idle"))["conversations"] == []


def test_the_transcript_holds_the_whole_conversation(receiver: Receiver) -> None:
    world, conversation = scenario(receiver)
    control = GatewayClient(world.api_key.key)

    transcript = body(control.get(f"/sandbox/v1/conversations/{conversation.id}/transcript"))

    assert list(transcript) == [
        "conversation",
        "participants",
        "interactions",
        "messages",
        "events",
        "deliveries",
    ]
    assert transcript["conversation"]["state"] == "active"
    agent = world.tenant.agents.get()
    assert transcript["conversation"]["assignment"] == {"type": "agent", "id": agent.public_id}
    assert [(p["type"], p["removed"]) for p in transcript["participants"]] == [
        ("user", False),
        ("agent", False),
    ]
    [interaction] = transcript["interactions"]
    assert interaction["endedAt"] is None
    assert [(m["authorType"], m["text"]) for m in transcript["messages"]] == [
        ("user", "My order is late."),
        ("agent", "Here it is."),
    ]
    [attachment] = transcript["messages"][1]["attachments"]
    assert {k: attachment[k] for k in ("fileName", "contentType", "sizeInBytes")} == {
        "fileName": "receipt.pdf",
        "contentType": "application/pdf",
        "sizeInBytes": 8,
    }
    events = list(Event.objects.filter(conversation=conversation).order_by("sequence"))
    assert [(e["cursor"], e["eventId"], e["payload"]) for e in transcript["events"]] == [
        (e.cursor, e.event_id, e.payload) for e in events
    ]
    assert [d["eventId"] for d in transcript["deliveries"]] == [e.event_id for e in events]
    first = transcript["deliveries"][0]
    assert [(a["retry"], a["statusCode"]) for a in first["attemptLog"]] == [(0, 500), (1, 200)]


def test_two_runs_of_one_story_give_the_same_normalised_transcript(receiver: Receiver) -> None:
    runs = []
    for _ in range(2):
        world, conversation = scenario(receiver)
        control = GatewayClient(world.api_key.key)
        path = f"/sandbox/v1/conversations/{conversation.id}/transcript"
        runs.append((body(control.get(path)), body(control.get(f"{path}?normalized=true"))))
    (first_raw, first), (second_raw, second) = runs

    assert first_raw != second_raw
    assert first == second
    text = json.dumps(first)
    for raw in (first_raw, second_raw):
        for delivery in raw["deliveries"]:
            assert delivery["id"] not in text
            for log in delivery["attemptLog"]:
                assert log["requestHeaders"]["x-8x8-signature"] not in text
    assert first["conversation"]["id"] == "<conversation-1>"
    assert first["conversation"]["createdAt"] == "<time>"
    assert [m["id"] for m in first["messages"]] == ["<message-1>", "<message-2>"]
    assert first["events"][0]["eventId"] == "<event-1>"
    delivered = first["deliveries"][-1]
    assert delivered["id"] == f"<delivery-{len(first['deliveries'])}>"
    headers = delivered["attemptLog"][0]["requestHeaders"]
    assert headers["x-8x8-signature"] == "<signature>"
    assert headers["x-8x8-transmission-time"] == "<time>"
    assert headers["x-8x8-tenant-id"] == "<tenant-1>"
    assert delivered["attemptLog"][0]["latencyMs"] == "<latency>"
    sent = delivered["body"]
    assert sent["timestamp"] == "<time>"
    assert sent["data"]["attachments"] == [
        {
            "id": "<attachment-1>",
            "type": "file",
            "preSignedUrl": "http://127.0.0.1:8000/files/<attachment-1>/<token>",
            "fileName": "receipt.pdf",
        }
    ]
    assert first["messages"][1]["attachments"][0]["id"] == "<attachment-1>"


def test_another_tenants_conversation_has_no_transcript(world: World, control: GatewayClient) -> None:
    foreign = start_conversation(world_create())

    response = control.get(f"/sandbox/v1/conversations/{foreign.id}/transcript")

    assert response.status_code == 404
    assert problem(response)["detail"] == f"Entity of type Conversation with id {foreign.id} was not found."


def test_short_ids_are_replaced_only_where_a_field_names_an_id() -> None:
    document = {
        "queueId": "100",
        "text": "100",
        "url": "http://sandbox/files/AAAAAAAAAAAAAAAAAAAAAA/token.sig",
        "body": '{"id":"AAAAAAAAAAAAAAAAAAAAAA","timestamp":1700000000000}',
        "headers": {"Date": "Thu, 03 Dec 2026 21:22:29 GMT"},
    }

    assert normalized(document, {"100": "queue", "AAAAAAAAAAAAAAAAAAAAAA": "attachment"}) == {
        "queueId": "<queue-1>",
        "text": "100",
        "url": "http://sandbox/files/<attachment-1>/<token>",
        "body": {"id": "<attachment-1>", "timestamp": "<time>"},
        "headers": {"Date": "<time>"},
    }
