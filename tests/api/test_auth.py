"""The auth matrix: every operation, without a key, with a wrong key, across tenants."""

import re
from typing import Any

import pytest
from django.http import HttpResponse

from conversations.models import Attachment, Channel, Conversation, Message
from tests.api.conftest import GatewayClient, problem
from tests.api.operations import AUTHENTICATED, Operation, Scenario, scenario_create
from tests.factories import TenantFactory, World, world_create
from webhooks.models import Event, Webhook

ids = [op.operation_id for op in AUTHENTICATED]
# Operations whose 403 the spec documents as a GenericExceptionPayload.
GENERIC_403 = {"createchatapichannel-1", "addconversationattachments"}


def send(client: GatewayClient, operation: Operation, scenario: Scenario, **overrides: str) -> HttpResponse:
    path = operation.path({**scenario.ids, **overrides})
    body = operation.body(scenario) if operation.body else None
    if operation.multipart:
        return client.upload(path, body)
    return client.call(operation.method, path, body)


def stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Webhook, Channel, Conversation, Message, Attachment, Event)
    }


@pytest.fixture
def scenario(world: World) -> Scenario:
    return scenario_create(world)


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=ids)
def test_every_operation_answers_401_without_a_key(scenario: Scenario, operation: Operation) -> None:
    before = stored()

    response = send(GatewayClient(None), operation, scenario)

    assert response.status_code == 401
    body = problem(response)
    assert body == {
        "message": "Access Denied",
        "errors": [{"message": "The x-api-key header is missing.", "code": "access_denied"}],
        "referenceId": body["referenceId"],
    }
    assert re.fullmatch(r"[0-9a-f]{16}", body["referenceId"])
    assert stored() == before


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=ids)
def test_every_operation_answers_401_with_a_wrong_key(scenario: Scenario, operation: Operation) -> None:
    before = stored()

    response = send(GatewayClient("not-a-key"), operation, scenario)

    assert response.status_code == 401
    assert problem(response)["errors"] == [{"message": "The API key is not valid.", "code": "access_denied"}]
    assert stored() == before


ID_OPERATIONS = [op for op in AUTHENTICATED if "{" in op.template]


@pytest.mark.parametrize("operation", ID_OPERATIONS, ids=[op.operation_id for op in ID_OPERATIONS])
def test_another_tenants_ids_are_not_found(scenario: Scenario, operation: Operation) -> None:
    intruder = world_create()
    before = stored()

    response = send(GatewayClient(intruder.api_key.key), operation, scenario, tenantId=intruder.tenant.id)

    assert response.status_code == 404
    problem(response)
    assert stored() == before


LIST_OPERATIONS = {
    "getwebhooks-1": "webhooks",
    "getchatapichannels-1": "channels",
    "getcctransactions-1": "conversations",
}


@pytest.mark.parametrize(("operation_id", "name"), LIST_OPERATIONS.items())
def test_lists_show_nothing_of_another_tenant(scenario: Scenario, operation_id: str, name: str) -> None:
    intruder = world_create()
    [operation] = [op for op in AUTHENTICATED if op.operation_id == operation_id]

    body = send(GatewayClient(intruder.api_key.key), operation, scenario).json()

    listed = [item["id"] for item in body["_embedded"][name]]
    own = {
        "webhooks": [intruder.webhook.id],
        "channels": [intruder.channel.id],
        "conversations": [],
    }[name]
    assert listed == own


def test_a_channel_cannot_notify_another_tenants_webhook(scenario: Scenario) -> None:
    intruder = world_create()
    client = GatewayClient(intruder.api_key.key)

    response = client.post(
        "/chat-gateway/v1/channels",
        {
            "name": "x",
            "webHookId": scenario.world.webhook.id,
            "routingOptions": {"id": intruder.sales.public_id},
        },
    )

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "invalid_webhook", "message": f"WebHook ID {scenario.world.webhook.id} is invalid."}
    ]


@pytest.mark.parametrize("operation", AUTHENTICATED, ids=ids)
def test_a_customer_with_several_tenants_must_name_one(scenario: Scenario, operation: Operation) -> None:
    customer = scenario.world.tenant.customer
    TenantFactory(customer=customer)
    before = stored()

    response = send(GatewayClient(scenario.world.api_key.key), operation, scenario)

    if operation.template.startswith("/api/v1/tenant/"):
        # Card actions name the tenant in their path: nothing is missing.
        assert response.status_code == 204
        return
    assert response.status_code == 403
    message = "Header X-8x8-Tenant is required."
    detail = f"Customer {customer.id} has several tenants; header X-8x8-Tenant must name one of them."
    expected: dict[str, Any]
    if operation.operation_id in GENERIC_403:
        expected = {"message": message, "errors": [{"code": "access_denied", "message": detail}]}
    else:
        expected = {"message": message, "errors": [detail]}
    assert problem(response) == expected
    assert stored() == before


def test_a_customer_with_several_tenants_works_with_the_header(scenario: Scenario) -> None:
    TenantFactory(customer=scenario.world.tenant.customer)
    client = GatewayClient(scenario.world.api_key.key, **{"X-8x8-Tenant": f" {scenario.world.tenant.id} "})

    response = client.get(f"/chat-gateway/v1/conversations/{scenario.conversation.id}")

    assert response.status_code == 200
    assert response.json()["id"] == scenario.conversation.id


def test_the_other_tenant_of_the_same_customer_does_not_see_the_conversation(scenario: Scenario) -> None:
    sibling = TenantFactory(customer=scenario.world.tenant.customer)
    client = GatewayClient(scenario.world.api_key.key, **{"X-8x8-Tenant": sibling.id})

    response = client.get(f"/chat-gateway/v1/conversations/{scenario.conversation.id}")

    assert response.status_code == 404
    assert problem(response) == {
        "message": f"Resource of type Conversation with id {scenario.conversation.id} was not found.",
        "errors": [f"Entity of type Conversation with id {scenario.conversation.id} was not found."],
    }


def test_a_tenant_of_another_customer_is_forbidden(scenario: Scenario) -> None:
    intruder = world_create()
    client = GatewayClient(scenario.world.api_key.key, **{"X-8x8-Tenant": intruder.tenant.id})

    response = client.get("/chat-gateway/v1/webhooks")

    assert response.status_code == 403
    assert problem(response) == {
        "message": "The tenant does not belong to customer.",
        "errors": [
            "Header X-8x8-Tenant doesn't match tenant information "
            f"for customerId={scenario.world.tenant.customer_id}"
        ],
    }


def test_a_card_action_on_a_tenant_of_another_customer_is_forbidden(scenario: Scenario) -> None:
    intruder = world_create()
    client = GatewayClient(intruder.api_key.key)
    path = (
        f"/api/v1/tenant/{scenario.world.tenant.id}/conversations/{scenario.conversation.id}"
        f"/cards/{scenario.card.id}/action-submit"
    )

    response = client.put(path, {"name": "Yes"})

    assert response.status_code == 403
    assert problem(response) == {
        "message": "The tenant does not belong to customer.",
        "errors": [
            f"Tenant {scenario.world.tenant.id} of the path doesn't match tenant information "
            f"for customerId={intruder.tenant.customer_id}"
        ],
    }
    scenario.card.refresh_from_db()
    assert not scenario.card.action_submitted


def test_keys_and_tenant_headers_are_trimmed(scenario: Scenario) -> None:
    client = GatewayClient(
        f"  {scenario.world.api_key.key} ", **{"X-8x8-Tenant": f"{scenario.world.tenant.id} "}
    )

    response = client.get("/chat-gateway/v1/webhooks")

    assert response.status_code == 200
    assert (
        response.json() == GatewayClient(scenario.world.api_key.key).get("/chat-gateway/v1/webhooks").json()
    )
    assert [hook["id"] for hook in response.json()["_embedded"]["webhooks"]] == [scenario.world.webhook.id]
