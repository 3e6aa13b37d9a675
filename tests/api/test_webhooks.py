"""`/chat-gateway/v1/webhooks`: list, create, get, put, delete, verify."""

from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from tests.api.conftest import GatewayClient, hal, problem
from tests.factories import WebhookFactory, World
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, Webhook, WebhookVersion

URL = "/chat-gateway/v1/webhooks"


def as_json(webhook: Webhook) -> dict[str, Any]:
    return {"id": webhook.id, "name": webhook.name, "uri": webhook.uri, "version": "Chat Gateway v1.0"}


def test_it_lists_the_tenants_gateway_webhooks(
    api: GatewayClient, world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    second = WebhookFactory(tenant=world.tenant, name="Bot")
    WebhookFactory(tenant=world.tenant, is_deleted=True)
    WebhookFactory(tenant=world.tenant, version=WebhookVersion.LEGACY_V2)

    # key and tenant, count, page
    with django_assert_num_queries(3):
        response = api.get(URL)

    assert hal(response) == {
        "_embedded": {"webhooks": sorted([as_json(world.webhook), as_json(second)], key=lambda w: w["id"])},
        "_links": {"self": {"href": "http://testserver/chat-gateway/v1/webhooks"}},
        "page": {"size": 20, "number": 0, "totalElements": 2, "totalPages": 1},
    }


def test_it_pages_sorts_and_filters(api: GatewayClient, world: World) -> None:
    for name in ("b", "c", "d"):
        WebhookFactory(tenant=world.tenant, name=name)

    body = hal(api.get(URL + "?size=2&page=1&sort=name:desc&filter=name!=d"))

    # c, b | Integration webhook
    assert [w["name"] for w in body["_embedded"]["webhooks"]] == ["Integration webhook"]
    assert body["page"] == {"size": 2, "number": 1, "totalElements": 3, "totalPages": 2}
    assert body["_links"]["self"]["href"] == (
        "http://testserver/chat-gateway/v1/webhooks?size=2&page=1&sort=name:desc&filter=name!=d"
    )


def test_an_empty_page_still_has_its_embedded_list(api: GatewayClient) -> None:
    body = hal(api.get(URL + "?filter=name==nobody"))

    assert body["_embedded"] == {"webhooks": []}
    assert body["page"] == {"size": 20, "number": 0, "totalElements": 0, "totalPages": 0}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("size=0", "Invalid size=0: must be between 1 and 1000."),
        ("size=ten", "Invalid size=ten: must be a whole number."),
        ("page=-1", "Invalid page=-1: must be between 0 and 1000000."),
        (
            "sort=secret:asc",
            "Invalid sort=secret:asc: secret cannot be sorted on (fields: id, name, uri, version).",
        ),
        ("sort=name:up", "Invalid sort=name:up: the direction must be asc or desc."),
        ("filter=name=gt=a", "Invalid filter 'name=gt=a': =gt= is not supported; use == or !=."),
    ],
)
def test_invalid_list_parameters_are_a_400(api: GatewayClient, query: str, message: str) -> None:
    response = api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_parameter", "message": message}],
    }


def test_it_creates_a_webhook_and_says_hello_to_it(api: GatewayClient, world: World) -> None:
    response = api.post(
        URL, {"name": " Bot ", "uri": "http://receiver:8080/events", "displayName": "ignored"}
    )

    webhook = Webhook.objects.exclude(pk=world.webhook.pk).get()
    assert hal(response) == {
        "id": webhook.id,
        "name": "Bot",
        "uri": "http://receiver:8080/events",
        "version": "Chat Gateway v1.0",
    }
    assert (webhook.tenant, webhook.name, webhook.version) == (world.tenant, "Bot", WebhookVersion.GATEWAY)
    hello = Delivery.objects.get(webhook=webhook)
    assert (hello.uri, hello.event.type) == ("http://receiver:8080/events", "WEB_HOOK_VERIFY")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"uri": "http://x.example/h"}, "name: This field is required."),
        ({"name": "x", "uri": "ftp://x.example/h"}, "uri: Enter an absolute http or https URL."),
        ({"name": "x", "uri": "not a url"}, "uri: Enter an absolute http or https URL."),
        (
            {"name": "x" * 257, "uri": "http://x.example/h"},
            "name: Ensure this field has no more than 256 characters.",
        ),
        (
            {"name": "x", "uri": "http://x.example/h", "version": "v2.0"},
            'Invalid version="v2.0", has to be Chat Gateway v1.0',
        ),
    ],
)
def test_it_rejects_an_invalid_webhook(
    api: GatewayClient, world: World, body: dict[str, Any], message: str
) -> None:
    response = api.post(URL, body)

    assert response.status_code == 400
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "invalid_json_object", "message": message}],
    }
    assert Webhook.objects.count() == 1


def test_it_gets_one_webhook(api: GatewayClient, world: World) -> None:
    assert hal(api.get(f"{URL}/ {world.webhook.id} ")) == as_json(world.webhook)


@pytest.mark.parametrize("kind", ["unknown", "deleted", "legacy"])
def test_a_webhook_it_cannot_see_is_not_found(api: GatewayClient, world: World, kind: str) -> None:
    webhook_id = {
        "unknown": "nope",
        "deleted": WebhookFactory(tenant=world.tenant, is_deleted=True).id,
        "legacy": WebhookFactory(tenant=world.tenant, version=WebhookVersion.LEGACY_V2).id,
    }[kind]

    response = api.get(f"{URL}/{webhook_id}")

    assert response.status_code == 404
    assert problem(response) == {
        "message": f"Resource of type Webhook with id {webhook_id} was not found.",
        "errors": [f"Entity of type Webhook with id {webhook_id} was not found."],
    }


def test_it_replaces_a_webhook(api: GatewayClient, world: World) -> None:
    response = api.put(f"{URL}/{world.webhook.id}", {"name": "Renamed", "uri": "https://bot.example/hook"})

    assert hal(response) == {
        "id": world.webhook.id,
        "name": "Renamed",
        "uri": "https://bot.example/hook",
        "version": "Chat Gateway v1.0",
    }
    world.webhook.refresh_from_db()
    assert (world.webhook.name, world.webhook.uri, world.webhook.entity_version) == (
        "Renamed",
        "https://bot.example/hook",
        2,
    )


def test_it_deletes_a_webhook(api: GatewayClient, world: World) -> None:
    response = api.delete(f"{URL}/{world.webhook.id}")

    assert response.status_code == 204
    assert response.content == b""
    world.webhook.refresh_from_db()
    assert world.webhook.is_deleted
    assert api.get(f"{URL}/{world.webhook.id}").status_code == 404


def test_verify_answers_204_when_the_target_answers_2xx(api: GatewayClient, receiver: Receiver) -> None:
    response = api.post(URL + "/verify", {"uri": receiver.url, "version": "Chat Gateway v1.0"})

    assert response.status_code == 204
    [hello] = receiver.wait_for_count(1)
    assert hello.json() == {"notificationVersion": "Chat Gateway v1.0", "eventType": "WEB_HOOK_VERIFY"}
    assert hello.headers["x-8x8-signature"]


def test_verify_is_a_400_when_the_target_fails(api: GatewayClient, receiver: Receiver) -> None:
    receiver.respond_with(status=503)

    response = api.post(URL + "/verify", {"uri": receiver.url, "version": "Chat Gateway v1.0"})

    assert response.status_code == 400
    message = f"Webhook verification of {receiver.url} failed: it answered HTTP 503."
    assert problem(response) == {
        "message": message,
        "errors": [{"code": "webhook_verification_failed", "message": message}],
    }


def test_verify_needs_a_version(api: GatewayClient) -> None:
    response = api.post(URL + "/verify", {"uri": "http://127.0.0.1:9/x"})

    assert response.status_code == 400
    assert problem(response)["message"] == "version: This field is required."
