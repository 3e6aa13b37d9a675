"""v2 `/channels`: list, create (ValidationExceptionPayload), read, replace (If-Match), delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import ApiFlavour, Channel
from tests.factories import ChannelFactory, WebhookFactory
from tests.legacy.conftest import LegacyWorld


def channel_body(legacy: LegacyWorld, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Web chat",
        "webHookId": legacy.webhook.id,
        "routingOptions": {"type": "queue", "id": legacy.world.support.public_id},
    }
    return {**body, **overrides}


def test_it_lists_only_v2_channels(legacy: LegacyWorld) -> None:
    ChannelFactory(tenant=legacy.world.tenant, webhook=legacy.webhook, api=ApiFlavour.LEGACY, is_deleted=True)

    with CaptureQueriesContext(connection) as queries:
        response = legacy.api.get("/channels")

    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "id": legacy.channel.id,
                "name": "v2 channel",
                "webHookId": legacy.webhook.id,
                "routingOptions": {"type": "queue", "id": legacy.world.sales.public_id},
            }
        ],
        "page": {"pageSize": 20, "pageIndex": 0, "elementCount": 1, "pageCount": 1},
    }
    assert len(queries) == 4


def test_it_creates_a_v2_channel(legacy: LegacyWorld) -> None:
    response = legacy.api.post("/channels", channel_body(legacy))

    assert response.status_code == 200
    channel = Channel.objects.get(name="Web chat")
    assert response.json() == {
        "id": channel.id,
        "name": "Web chat",
        "webHookId": legacy.webhook.id,
        "routingOptions": {"type": "queue", "id": legacy.world.support.public_id},
    }
    assert response["ETag"] == '"1"'
    assert (channel.api, channel.type, channel.webhook, channel.routing_queue) == (
        ApiFlavour.LEGACY,
        "ChatAPI",
        legacy.webhook,
        legacy.world.support,
    )


def test_routing_type_defaults_to_queue(legacy: LegacyWorld) -> None:
    response = legacy.api.post(
        "/channels", channel_body(legacy, routingOptions={"id": legacy.world.sales.public_id})
    )

    assert response.json()["routingOptions"] == {"type": "queue", "id": legacy.world.sales.public_id}


def test_an_unknown_queue_is_a_validation_exception_payload(legacy: LegacyWorld) -> None:
    response = legacy.api.post(
        "/channels", channel_body(legacy, routingOptions={"type": "queue", "id": "112"})
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "message": "Validation failed.",
        "errors": [{"code": "invalid_queue", "message": "Queue ID 112 is invalid."}],
        "validations": [
            {
                "field": "routingOptions.id",
                "value": "112",
                "code": "invalid_queue",
                "message": "Queue ID 112 is invalid.",
            }
        ],
    }
    assert Channel.objects.filter(tenant=legacy.world.tenant).count() == 2


@pytest.mark.parametrize("webhook", ["unknown", "gateway"])
def test_an_unknown_or_gateway_webhook_is_a_validation_exception_payload(
    legacy: LegacyWorld, webhook: str
) -> None:
    webhook_id = legacy.world.webhook.id if webhook == "gateway" else "45"

    response = legacy.api.post("/channels", channel_body(legacy, webHookId=webhook_id))

    assert response.status_code == 400
    message = f"WebHook ID {webhook_id} is invalid."
    assert response.json() == {
        "message": "Validation failed.",
        "errors": [{"code": "invalid_webhook", "message": message}],
        "validations": [
            {"field": "webHookId", "value": webhook_id, "code": "invalid_webhook", "message": message}
        ],
    }


def test_missing_fields_are_listed_as_validations(legacy: LegacyWorld) -> None:
    response = legacy.api.post("/channels", {"routingOptions": {"type": "agent"}})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Validation failed.",
        "errors": [
            {"code": "invalid_parameter", "message": "May not be empty."},
            {"code": "invalid_parameter", "message": "May not be empty."},
            {"code": "invalid_choice", "message": "Must be queue."},
            {"code": "invalid_parameter", "message": "May not be empty."},
        ],
        "validations": [
            {"field": "name", "value": "", "code": "invalid_parameter", "message": "May not be empty."},
            {"field": "webHookId", "value": "", "code": "invalid_parameter", "message": "May not be empty."},
            {
                "field": "routingOptions.type",
                "value": "agent",
                "code": "invalid_choice",
                "message": "Must be queue.",
            },
            {
                "field": "routingOptions.id",
                "value": "",
                "code": "invalid_parameter",
                "message": "May not be empty.",
            },
        ],
    }


def test_it_reads_one_channel_and_hides_gateway_ones(legacy: LegacyWorld) -> None:
    response = legacy.api.get(f"/channels/{legacy.channel.id}")

    assert response.status_code == 200
    assert response.json()["id"] == legacy.channel.id
    assert response["ETag"] == '"1"'
    gateway = legacy.api.get(f"/channels/{legacy.world.channel.id}")
    assert gateway.status_code == 404
    assert gateway.json() == {
        "message": f"Resource of type Channel with id {legacy.world.channel.id} was not found.",
        "errors": [f"Entity of type Channel with id {legacy.world.channel.id} was not found."],
    }


def test_it_replaces_a_channel_when_if_match_holds(legacy: LegacyWorld) -> None:
    other = WebhookFactory(tenant=legacy.world.tenant, version="v1.0")
    body = channel_body(legacy, name="Renamed", webHookId=other.id)

    response = legacy.api.put(f"/channels/{legacy.channel.id}", body, **{"If-Match": "1"})

    assert response.status_code == 200
    assert response.json() == {"id": legacy.channel.id, **body}
    assert response["ETag"] == '"2"'
    legacy.channel.refresh_from_db()
    assert (
        legacy.channel.name,
        legacy.channel.webhook,
        legacy.channel.routing_queue,
        legacy.channel.version,
    ) == (
        "Renamed",
        other,
        legacy.world.support,
        2,
    )


def test_a_stale_if_match_is_412(legacy: LegacyWorld) -> None:
    response = legacy.api.put(f"/channels/{legacy.channel.id}", channel_body(legacy), **{"If-Match": "7"})

    assert response.status_code == 412
    assert response.json() == {
        "message": "Precondition Failed",
        "errors": [f"Channel {legacy.channel.id} is at version 1; If-Match named version 7."],
    }
    legacy.channel.refresh_from_db()
    assert legacy.channel.name == "v2 channel"


def test_a_bad_put_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    response = legacy.api.put(f"/channels/{legacy.channel.id}", channel_body(legacy, webHookId="nope"))

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["webHookId: WebHook ID nope is invalid."],
    }


def test_it_deletes_a_channel_and_keeps_its_conversations_readable(legacy: LegacyWorld) -> None:
    created = legacy.api.post("/conversations", {"channelId": legacy.channel.id, "customer": {"name": "A"}})

    response = legacy.api.delete(f"/channels/{legacy.channel.id}")

    assert response.status_code == 204
    legacy.channel.refresh_from_db()
    assert legacy.channel.is_deleted
    assert legacy.api.get(f"/channels/{legacy.channel.id}").status_code == 404
    conversation_id = created.json()["conversationId"]
    assert legacy.api.get(f"/conversations/{conversation_id}").json()["channelId"] == legacy.channel.id
