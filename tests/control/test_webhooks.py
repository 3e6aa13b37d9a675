"""Webhooks in the control API: every one with its delivery counts, and the echo switch."""

import json

import pytest

from conversations.services.messages import message_post
from tests.api.conftest import GatewayClient, problem
from tests.factories import WebhookFactory, World, world_create
from tests.webhooks.support import start_conversation
from webhooks.models import Delivery, DeliveryStatus, Webhook, WebhookVersion

pytestmark = pytest.mark.django_db


def test_it_lists_the_tenants_webhooks_with_delivery_counts_by_status(
    world: World, control: GatewayClient
) -> None:
    start_conversation(world)
    Delivery.objects.filter(event__type="QUEUED").update(status=DeliveryStatus.FAILED)
    legacy = WebhookFactory(tenant=world.tenant, name="Old", uri="http://127.0.0.1:9/old", version="v2.0")
    WebhookFactory(tenant=world.tenant, name="Gone", is_deleted=True)
    world_create()

    response = control.get("/sandbox/v1/webhooks")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "webhooks": [
            {
                "id": world.webhook.id,
                "name": "Integration webhook",
                "uri": "http://127.0.0.1:9/hook",
                "version": WebhookVersion.GATEWAY,
                "echo": True,
                "deliveries": {"pending": 2, "in_flight": 0, "succeeded": 0, "failed": 1},
            },
            {
                "id": legacy.id,
                "name": "Old",
                "uri": "http://127.0.0.1:9/old",
                "version": "v2.0",
                "echo": True,
                "deliveries": {"pending": 0, "in_flight": 0, "succeeded": 0, "failed": 0},
            },
        ]
    }


def test_switching_the_echo_off_stops_the_echo_of_the_integrations_messages(
    world: World, control: GatewayClient
) -> None:
    conversation = start_conversation(world)

    response = control.patch(f"/sandbox/v1/webhooks/{world.webhook.id}", {"echo": False})

    assert response.status_code == 200
    assert json.loads(response.content)["echo"] is False
    assert Webhook.objects.get(pk=world.webhook.pk).echo is False
    message_post(conversation=conversation, author_type="user", text="Hello?")
    assert not Delivery.objects.filter(event__type="MESSAGE").exists()

    control.patch(f"/sandbox/v1/webhooks/{world.webhook.id}", {"echo": True})
    message_post(conversation=conversation, author_type="user", text="Anyone?")
    [echo] = Delivery.objects.filter(event__type="MESSAGE")
    assert json.loads(echo.body)["data"]["text"] == "Anyone?"


def test_the_echo_switch_needs_a_boolean(world: World, control: GatewayClient) -> None:
    response = control.patch(f"/sandbox/v1/webhooks/{world.webhook.id}", {"echo": "maybe"})

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "invalid_json_object", "message": "echo: Must be a valid boolean."}
    ]
    assert Webhook.objects.get(pk=world.webhook.pk).echo is True


def test_another_tenants_webhook_is_not_found(world: World, control: GatewayClient) -> None:
    other = world_create()

    response = control.patch(f"/sandbox/v1/webhooks/{other.webhook.id}", {"echo": False})

    assert response.status_code == 404
    assert problem(response)["detail"] == f"Entity of type Webhook with id {other.webhook.id} was not found."
    assert Webhook.objects.get(pk=other.webhook.pk).echo is True
