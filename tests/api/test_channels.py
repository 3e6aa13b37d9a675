"""`/chat-gateway/v1/channels`: list, create, get, put, delete."""

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from conversations.models import ApiFlavour, Channel
from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import ChannelFactory, WebhookFactory, World
from webhooks.models import WebhookVersion

URL = "/chat-gateway/v1/channels"


def as_json(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "type": "ChatAPI",
        "webHookId": channel.webhook_id,
        "routingOptions": {
            "type": "queue",
            "id": channel.routing_queue.public_id if channel.routing_queue else "",
        },
    }


def body_for(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Web chat",
        "type": "ChatAPI",
        "webHookId": world.webhook.id,
        "routingOptions": {"type": "queue", "id": world.support.public_id},
        **changes,
    }


def test_it_lists_the_tenants_gateway_channels(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    second = ChannelFactory(tenant=world.tenant, webhook=world.webhook, routing_queue=world.support)
    ChannelFactory(tenant=world.tenant, webhook=world.webhook, is_deleted=True)
    ChannelFactory(tenant=world.tenant, webhook=world.webhook, api=ApiFlavour.LEGACY)

    with django_assert_num_queries(3):
        response = api.get(URL)

    assert hal(response) == {
        "_embedded": {"channels": sorted([as_json(world.channel), as_json(second)], key=lambda c: c["id"])},
        "_links": {"self": {"href": "http://testserver/chat-gateway/v1/channels"}},
        "page": {"size": 20, "number": 0, "totalElements": 2, "totalPages": 1},
    }


def test_it_filters_by_routing_queue_with_the_specs_own_example(api: GatewayClient, world: World) -> None:
    other = ChannelFactory(
        tenant=world.tenant, name="Cosmin", webhook=world.webhook, routing_queue=world.support
    )

    body = hal(api.get(f"{URL}?filter=name==Nobody,(routingOption.id=={world.support.public_id})"))

    assert body["_embedded"]["channels"] == [as_json(other)]


def test_it_creates_a_channel(api: GatewayClient, world: World) -> None:
    response = api.post(URL, body_for(world, routingOptions={"id": f" {world.support.public_id} "}))

    channel = Channel.objects.exclude(pk=world.channel.pk).get()
    assert hal(response) == {
        "id": channel.id,
        "name": "Web chat",
        "type": "ChatAPI",
        "webHookId": world.webhook.id,
        "routingOptions": {"type": "queue", "id": world.support.public_id},
    }
    assert (channel.tenant, channel.webhook, channel.routing_queue, channel.api) == (
        world.tenant,
        world.webhook,
        world.support,
        ApiFlavour.GATEWAY,
    )


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"routingOptions": {"id": "999"}}, "invalid_queue", "Queue ID 999 is invalid."),
        ({"webHookId": "nope"}, "invalid_webhook", "WebHook ID nope is invalid."),
        (
            {"type": "WhatsApp"},
            "invalid_channel_type",
            "Invalid type=WhatsApp: only ChatAPI channels can be created or updated with the API.",
        ),
        ({"routingOptions": None}, "invalid_json_object", "routingOptions: This field may not be null."),
        (
            {"routingOptions": {"type": "agent", "id": "1"}},
            "invalid_json_object",
            'Invalid routingOptions.type="agent", has to be queue',
        ),
        ({"name": ""}, "invalid_json_object", "name: This field may not be blank."),
    ],
)
def test_it_rejects_an_invalid_channel(
    api: GatewayClient, world: World, changes: dict[str, Any], code: str, message: str
) -> None:
    response = api.post(URL, body_for(world, **changes))

    assert response.status_code == 400
    assert problem(response) == {"message": message, "errors": [{"code": code, "message": message}]}
    assert Channel.objects.count() == 1


def test_a_channel_needs_a_live_gateway_webhook(api: GatewayClient, world: World) -> None:
    legacy = WebhookFactory(tenant=world.tenant, version=WebhookVersion.LEGACY_V2)
    deleted = WebhookFactory(tenant=world.tenant, is_deleted=True)

    for webhook in (legacy, deleted):
        response = api.post(URL, body_for(world, webHookId=webhook.id))
        assert response.status_code == 400
        assert problem(response)["errors"][0]["code"] == "invalid_webhook"


def test_it_gets_one_channel(api: GatewayClient, world: World) -> None:
    assert hal(api.get(f"{URL}/{world.channel.id}")) == as_json(world.channel)


def test_an_unknown_channel_is_not_found(api: GatewayClient) -> None:
    response = api.get(f"{URL}/nope")

    assert response.status_code == 404
    assert problem(response) == {
        "message": "Resource of type Channel with id nope was not found.",
        "errors": ["Entity of type Channel with id nope was not found."],
    }


def test_it_replaces_a_channel(api: GatewayClient, world: World) -> None:
    bot = WebhookFactory(tenant=world.tenant, name="Bot")

    response = api.put(f"{URL}/{world.channel.id}", body_for(world, name="Renamed", webHookId=bot.id))

    assert hal(response) == {
        "id": world.channel.id,
        "name": "Renamed",
        "type": "ChatAPI",
        "webHookId": bot.id,
        "routingOptions": {"type": "queue", "id": world.support.public_id},
    }
    world.channel.refresh_from_db()
    assert (
        world.channel.name,
        world.channel.webhook,
        world.channel.routing_queue,
        world.channel.version,
    ) == (
        "Renamed",
        bot,
        world.support,
        2,
    )


def test_a_failed_replace_changes_nothing(api: GatewayClient, world: World) -> None:
    response = api.put(
        f"{URL}/{world.channel.id}", body_for(world, name="Renamed", routingOptions={"id": "999"})
    )

    assert response.status_code == 400
    world.channel.refresh_from_db()
    assert (world.channel.name, world.channel.routing_queue, world.channel.version) == (
        "Chat API channel",
        world.sales,
        1,
    )


def test_it_deletes_a_channel_softly(api: GatewayClient, world: World) -> None:
    response = api.delete(f"{URL}/{world.channel.id}")

    assert response.status_code == 204
    world.channel.refresh_from_db()
    assert world.channel.is_deleted
    assert api.get(f"{URL}/{world.channel.id}").status_code == 404
    assert hal(api.get(URL))["_embedded"]["channels"] == []
