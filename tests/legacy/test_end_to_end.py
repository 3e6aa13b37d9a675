"""A v2 integration against a running sandbox: real HTTP in, real signed webhooks out.

The integration side speaks only HTTP (token, web-hooks, channels, conversations,
messages); the agent side is driven through the services, as the desktop does. Every
delivery to the v2.0 webhook is checked by the independent verifier, which fetches the
public key from the legacy JWK path; the v1.0 webhook's deliveries carry no signature.
"""

from typing import Any

import pytest
import requests

from conversations.models import Conversation
from conversations.services.lifecycle import conversation_end_by_agent, conversation_transfer
from conversations.services.messages import agent_message_send
from conversations.services.offers import offer_accept
from tests.factories import LegacyCredentialFactory, world_create
from tests.live import LiveSandbox
from tests.webhooks.receiver import ReceivedRequest, Receiver
from tests.webhooks.verifier import HttpJwks, verify_signature

TIMEOUT = 5


class Integration:
    """What a v2 integration does over HTTP: get a token, then call its tenant's paths."""

    def __init__(self, base_url: str, *, tenant_id: str, key: str, secret: str) -> None:
        self.base_url = base_url
        self.v2 = f"{base_url}/vcc/eu/chat/v2/tenant/{tenant_id}"
        response = requests.post(
            f"{base_url}/oauth/v2/token",
            data={"grant_type": "client_credentials"},
            auth=(key, secret),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(self.v2 + path, json=body, headers=self.headers, timeout=TIMEOUT)

    def get(self, path: str) -> requests.Response:
        return requests.get(self.v2 + path, headers=self.headers, timeout=TIMEOUT)


def events(requests_: list[ReceivedRequest]) -> list[ReceivedRequest]:
    """The conversation's notifications (the hello to a new webhook may come at any point)."""
    return [r for r in requests_ if r.json().get("eventType") != "WEB_HOOK_VERIFY"]


@pytest.mark.django_db(transaction=True)
def test_a_v2_chat_reaches_the_integration_as_signed_flat_events(
    live_sandbox: LiveSandbox, receiver: Receiver
) -> None:
    world = world_create()
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    anna = world.agent(name="Anna Agent", queues=[world.sales])
    bert = world.agent(name="Bert Agent", queues=[world.support])
    integration = Integration(
        live_sandbox.url, tenant_id=world.tenant.id, key=credential.key, secret=credential.secret
    )
    webhook = integration.post("/web-hooks", {"name": "bot", "uri": receiver.url, "version": "v2.0"}).json()
    channel = integration.post(
        "/channels",
        {
            "name": "Web",
            "webHookId": webhook["id"],
            "routingOptions": {"type": "queue", "id": world.sales.public_id},
        },
    ).json()

    created = integration.post(
        "/conversations", {"channelId": channel["id"], "customer": {"name": "Ann", "customerId": "c-1"}}
    )
    assert created.status_code == 202
    conversation = Conversation.objects.get(pk=created.json()["conversationId"])
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=anna)
    agent_message_send(conversation=conversation, agent=anna, text="Hi Ann")
    assert integration.post(f"/conversations/{conversation.id}/messages", {"text": "Hi!"}).status_code == 202
    conversation_transfer(conversation=conversation, agent=anna, queue_id=world.support.public_id)
    offer_accept(offer_id=conversation.interactions.get().offers.get(status="pending").id, agent=bert)
    conversation_end_by_agent(conversation=conversation, agent=bert)

    received = receiver.wait_until(lambda got: len(events(got)) >= 8, timeout=10)

    jwks = HttpJwks(live_sandbox.url)
    for request in received:
        verify_signature(body=request.body, headers=request.headers, jwks=jwks)
    flat = [r.json() for r in events(received)]
    assert [(e["eventType"], e.get("agentName"), e.get("queueName")) for e in flat] == [
        ("QUEUED", None, "Sales"),
        ("AGENT_JOINED", "Anna Agent", None),
        ("TEXT", "Anna Agent", None),
        ("TRANSFER", None, None),
        ("AGENT_LEFT", "Anna Agent", None),
        ("QUEUED", None, "Support"),
        ("AGENT_JOINED", "Bert Agent", None),
        ("AGENT_LEFT", "Bert Agent", None),
    ]
    assert {e["conversationId"] for e in flat} == {conversation.id}
    assert flat[2]["message"] == "Hi Ann"
    hello = [r.json() for r in received if r.json().get("eventType") == "WEB_HOOK_VERIFY"]
    assert hello == [{"notificationVersion": "v2.0", "eventType": "WEB_HOOK_VERIFY"}]


@pytest.mark.django_db(transaction=True)
def test_a_v1_webhook_gets_the_same_events_unsigned(live_sandbox: LiveSandbox, receiver: Receiver) -> None:
    world = world_create()
    credential = LegacyCredentialFactory(customer=world.tenant.customer)
    anna = world.agent(name="Anna Agent")
    integration = Integration(
        live_sandbox.url, tenant_id=world.tenant.id, key=credential.key, secret=credential.secret
    )
    webhook = integration.post("/web-hooks", {"name": "old", "uri": receiver.url, "version": "v1.0"}).json()
    channel = integration.post(
        "/channels",
        {"name": "Old", "webHookId": webhook["id"], "routingOptions": {"id": world.sales.public_id}},
    ).json()
    created = integration.post("/conversations", {"channelId": channel["id"], "customer": {"name": "Ann"}})
    conversation = Conversation.objects.get(pk=created.json()["conversationId"])

    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=anna)

    received = receiver.wait_until(lambda got: len(events(got)) >= 2, timeout=10)
    assert [r.json()["eventType"] for r in events(received)] == ["QUEUED", "AGENT_JOINED"]
    for request in received:
        assert "x-8x8-signature" not in request.headers
        assert request.headers["x-8x8-tenant-id"] == world.tenant.id
        assert request.headers["x-8x8-event-id"]
