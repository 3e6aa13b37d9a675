"""Customers made and removed with the admin key, and a tenant's overview and reset."""

import json
import logging
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import (
    Agent,
    AgentStatus,
    ApiKey,
    Attachment,
    Card,
    Channel,
    Conversation,
    Customer,
    Interaction,
    LegacyCredential,
    Message,
    Offer,
    Participant,
    Queue,
    Script,
    Tenant,
    Timer,
)
from conversations.services.agents import agent_set_status
from conversations.services.lifecycle import conversation_create
from conversations.services.tenants import tenant_reset
from conversations.ws_routing import websocket_urlpatterns
from gateway_sim.seed import seed_if_empty
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create
from webhooks import worker
from webhooks.claims import claim_due
from webhooks.delivery import HttpResult
from webhooks.models import Delivery, DeliveryAttempt, Event, Webhook

pytestmark = pytest.mark.django_db

CUSTOMERS = "/sandbox/v1/customers"
GATEWAY = "/chat-gateway/v1"
DEMO_AGENTS = [
    ("agent-anna", "Anna Berg", "available", ["en", "sv"], ["100", "101"]),
    ("agent-bruno", "Bruno Costa", "available", ["pt", "es", "en"], ["100", "102"]),
    ("agent-chloe", "Chloé Martin", "away", ["fr", "en"], ["101", "102"]),
    ("agent-dieter", "Dieter Vogel", "offline", ["de", "en"], ["101"]),
]
TEMPLATE = {
    "queues": [{"id": "7", "name": "Only queue"}],
    "agents": [{"id": "agent-zed", "name": "Zed", "queues": ["7"], "status": "busy", "capacity": 2}],
    "scripts": [],
}


@pytest.fixture
def admin() -> GatewayClient:
    return GatewayClient(settings.SANDBOX_ADMIN_KEY)


def created(admin: GatewayClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = admin.post(CUSTOMERS, body or {})
    assert response.status_code == 201, response.content
    result: dict[str, Any] = json.loads(response.content)
    return result


def rows(tenant_id: str) -> dict[str, int]:
    """Every table a tenant has rows in, counted."""
    return {
        "conversations": Conversation.objects.filter(tenant_id=tenant_id).count(),
        "interactions": Interaction.objects.filter(conversation__tenant_id=tenant_id).count(),
        "participants": Participant.objects.filter(conversation__tenant_id=tenant_id).count(),
        "messages": Message.objects.filter(conversation__tenant_id=tenant_id).count(),
        "attachments": Attachment.objects.filter(conversation__tenant_id=tenant_id).count(),
        "cards": Card.objects.filter(message__conversation__tenant_id=tenant_id).count(),
        "offers": Offer.objects.filter(agent__tenant_id=tenant_id).count(),
        "events": Event.objects.filter(tenant_id=tenant_id).count(),
        "deliveries": Delivery.objects.filter(event__tenant_id=tenant_id).count(),
        "deliveryAttempts": DeliveryAttempt.objects.filter(delivery__event__tenant_id=tenant_id).count(),
        "timers": Timer.objects.filter(tenant_id=tenant_id).count(),
        "webhooks": Webhook.objects.filter(tenant_id=tenant_id).count(),
        "channels": Channel.objects.filter(tenant_id=tenant_id).count(),
        "queues": Queue.objects.filter(tenant_id=tenant_id).count(),
        "agents": Agent.objects.filter(tenant_id=tenant_id).count(),
        "scripts": Script.objects.filter(tenant_id=tenant_id).count(),
    }


def busy(customer: dict[str, Any]) -> dict[str, Any]:
    """Through the Gateway API with the customer's key: a webhook, a channel, a conversation
    offered to an agent, a message with a file, a failed attempt awaiting its retry; and an
    agent whose status moved away from its configured one."""
    api = GatewayClient(customer["apiKey"])
    webhook = json.loads(
        api.post(f"{GATEWAY}/webhooks", {"name": "Bot", "uri": "http://127.0.0.1:9/hook"}).content
    )
    channel = json.loads(
        api.post(
            f"{GATEWAY}/channels",
            {
                "name": "Web chat",
                "type": "ChatAPI",
                "webHookId": webhook["id"],
                "routingOptions": {"type": "queue", "id": "100"},
            },
        ).content
    )
    response = api.post(f"{GATEWAY}/conversations", {"channelId": channel["id"], "user": {"name": "Ada"}})
    assert response.status_code == 202, response.content
    conversation_id = json.loads(response.content)["conversationId"]
    upload = api.upload(
        f"{GATEWAY}/conversations/{conversation_id}/attachments",
        {"attachment": _file(), "authorType": "user"},
    )
    attachment_id = json.loads(upload.content)["id"]
    sent = api.post(
        f"{GATEWAY}/conversations/{conversation_id}/messages",
        {"authorType": "user", "text": "My statement", "attachments": [{"id": attachment_id}]},
    )
    assert sent.status_code == 202, sent.content
    hello = Delivery.objects.select_related("event").get(
        event__tenant_id=customer["tenantId"], event__type="WEB_HOOK_VERIFY"
    )
    Delivery.objects.filter(pk=hello.pk).update(status="in_flight", attempts=1)
    hello.status, hello.attempts = "in_flight", 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "http_post", lambda **_: HttpResult(status_code=503, latency_ms=1.0))
        worker.attempt(hello)
    bruno = Agent.objects.get(tenant_id=customer["tenantId"], public_id="agent-bruno")
    agent_set_status(agent=bruno, status=AgentStatus.BUSY)
    return {"conversationId": conversation_id, "file": Attachment.objects.get(pk=attachment_id).file.name}


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("statement.txt", b"Statement for account 12345\n", content_type="text/plain")


# --- creating customers --------------------------------------------------------------------


def test_an_admin_creates_a_customer_with_the_demo_tenants_queues_agents_and_script(
    admin: GatewayClient,
) -> None:
    body = created(admin, {"name": "Acme", "tenantName": "Acme EU"})

    customer = Customer.objects.get()
    tenant = Tenant.objects.get()
    assert body == {
        "customerId": customer.id,
        "customerName": "Acme",
        "tenantId": tenant.id,
        "tenantName": "Acme EU",
        "apiKey": ApiKey.objects.get(customer=customer).key,
        "legacy": {
            "key": LegacyCredential.objects.get(customer=customer).key,
            "secret": LegacyCredential.objects.get(customer=customer).secret,
        },
        "queues": [
            {"publicId": "100", "name": "Sales"},
            {"publicId": "101", "name": "Support"},
            {"publicId": "102", "name": "Billing"},
        ],
        "agents": [
            {"publicId": public_id, "name": name, "status": status, "languages": languages, "queues": queues}
            for public_id, name, status, languages, queues in DEMO_AGENTS
        ],
        "scripts": [{"publicId": "main-menu", "name": "Main menu"}],
        "gatewayUrl": "http://testserver/chat-gateway/v1",
        "controlUrl": "http://testserver/sandbox/v1",
    }
    assert len(customer.id) == len(tenant.id) == 22
    assert tenant.customer == customer
    assert sorted(Agent.objects.values_list("public_id", "configured_status")) == [
        (public_id, status) for public_id, _, status, _, _ in DEMO_AGENTS
    ]


def test_every_customer_gets_fresh_ids_and_keys(admin: GatewayClient) -> None:
    first, second = created(admin), created(admin)

    for field in ("customerId", "tenantId", "apiKey"):
        assert first[field] != second[field]
    assert first["legacy"] != second["legacy"]
    assert first["customerName"] == f"Customer {first['customerId']}"
    assert first["tenantName"] == f"Tenant {first['tenantId']}"


def test_a_customer_is_made_from_an_inline_template(admin: GatewayClient) -> None:
    body = created(admin, {"seed": TEMPLATE})

    assert body["queues"] == [{"publicId": "7", "name": "Only queue"}]
    assert body["agents"] == [
        {"publicId": "agent-zed", "name": "Zed", "status": "busy", "languages": ["en"], "queues": ["7"]}
    ]
    assert body["scripts"] == []
    zed = Agent.objects.get()
    assert (zed.capacity, zed.configured_status) == (2, AgentStatus.BUSY)


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ([], "seed must be an object with queues, agents and scripts."),
        ({"queues": "100"}, "seed.queues: must be a list"),
        ({"agents": ["anna"]}, "seed.agents[0]: must be a mapping"),
        ({"queues": [{"id": "1"}, {"id": "1"}]}, "seed.queues[1].id: queue '1' is defined twice"),
        (
            {"agents": [{"id": "a", "capacity": "many"}]},
            "seed.agents[0].capacity: must be a whole number of at least 1",
        ),
        ({"agents": [{"name": "Anna"}]}, "seed.agents[0]: 'id' is required"),
        (
            {"agents": [{"id": "a", "queues": ["9"]}]},
            "seed.agents[0]: queue '9' is not defined in this tenant",
        ),
        (
            {"agents": [{"id": "a", "status": "asleep"}]},
            "seed.agents[0]: status 'asleep' is not one of available, busy, away, offline",
        ),
        (
            {"queues": [{"id": "1"}], "scripts": [{"id": "s", "options": [{"title": "Go", "queue": "2"}]}]},
            "seed.scripts[0].options[0]: queue '2' is not defined",
        ),
    ],
)
def test_a_bad_template_is_refused_naming_its_place_and_nothing_is_written(
    admin: GatewayClient, seed: Any, message: str
) -> None:
    response = admin.post(CUSTOMERS, {"seed": seed})

    assert response.status_code == 400
    assert problem(response) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": message,
        "errors": [{"code": "invalid_template", "message": message}],
    }
    assert (
        Customer.objects.count(),
        Tenant.objects.count(),
        ApiKey.objects.count(),
        Queue.objects.count(),
    ) == (
        0,
        0,
        0,
        0,
    )


def test_a_name_too_long_is_refused(admin: GatewayClient) -> None:
    response = admin.post(CUSTOMERS, {"tenantName": "x" * 257})

    assert response.status_code == 400
    assert [error["message"] for error in problem(response)["errors"]] == [
        "tenantName: Ensure this field has no more than 256 characters."
    ]


@pytest.mark.parametrize("key", [None, "", "not-the-admin-key"])
def test_customers_need_the_admin_key(key: str | None) -> None:
    client = GatewayClient(key)

    for response in (client.post(CUSTOMERS, {}), client.delete(f"{CUSTOMERS}/someone")):
        assert response.status_code == 401
        assert problem(response)["status"] == 401
    assert Customer.objects.count() == 0


def test_a_tenant_key_is_not_an_admin_key(world: World, control: GatewayClient) -> None:
    response = control.post(CUSTOMERS, {})

    assert response.status_code == 401
    assert (
        problem(response)["detail"] == "The admin key is not valid (SANDBOX_ADMIN_KEY, printed at start-up)."
    )


def test_the_admin_key_is_not_a_tenant_key(admin: GatewayClient) -> None:
    for response in (admin.get("/sandbox/v1/tenant"), admin.post("/sandbox/v1/tenant/reset", {})):
        assert response.status_code == 401
        assert problem(response)["detail"] == "The API key is not valid."


def test_the_new_key_works_on_the_chat_gateway_at_once(admin: GatewayClient) -> None:
    customer = created(admin)

    conversation_id = busy(customer)["conversationId"]

    conversation = Conversation.objects.get(pk=conversation_id)
    assert (conversation.tenant_id, conversation.queue.public_id) == (customer["tenantId"], "100")
    offer = Offer.objects.get(interaction__conversation=conversation)
    assert (offer.agent.public_id, offer.status) == ("agent-anna", "pending")


# --- deleting customers --------------------------------------------------------------------


def test_deleting_a_customer_removes_it_with_all_its_data_and_nothing_else(admin: GatewayClient) -> None:
    doomed, kept = created(admin), created(admin)
    busy(doomed)
    busy(kept)
    before = rows(kept["tenantId"])

    response = admin.delete(f"{CUSTOMERS}/{doomed['customerId']}")

    assert response.status_code == 204
    assert response.content == b""
    assert set(rows(doomed["tenantId"]).values()) == {0}
    assert not Customer.objects.filter(pk=doomed["customerId"]).exists()
    assert not ApiKey.objects.filter(pk=doomed["apiKey"]).exists()
    assert not LegacyCredential.objects.filter(pk=doomed["legacy"]["key"]).exists()
    assert rows(kept["tenantId"]) == before
    assert GatewayClient(doomed["apiKey"]).get(f"{GATEWAY}/conversations").status_code == 401


def test_a_deleted_customers_retries_and_timers_stop(admin: GatewayClient) -> None:
    customer = created(admin)
    busy(customer)
    assert Delivery.objects.filter(status="pending", attempts=1).count() == 1
    assert Timer.objects.filter(tenant_id=customer["tenantId"], fired_at__isnull=True).count() == 1

    admin.delete(f"{CUSTOMERS}/{customer['customerId']}")

    assert Delivery.objects.count() == 0
    assert Timer.objects.count() == 0
    assert claim_due(limit=100).deliveries == []


def test_the_demo_customer_may_be_deleted(admin: GatewayClient) -> None:
    seed_if_empty()

    response = admin.delete(f"{CUSTOMERS}/demo-customer")

    assert response.status_code == 204
    assert (Customer.objects.count(), Tenant.objects.count(), Agent.objects.count()) == (0, 0, 0)


def test_deleting_an_unknown_customer_is_a_404(admin: GatewayClient) -> None:
    response = admin.delete(f"{CUSTOMERS}/nobody")

    assert response.status_code == 404
    assert problem(response)["detail"] == "Entity of type Customer with id nobody was not found."


@pytest.mark.django_db(transaction=True)
def test_a_delivery_removed_during_its_attempt_is_dropped_quietly(
    admin: GatewayClient, caplog: pytest.LogCaptureFixture
) -> None:
    customer = created(admin)
    busy(customer)
    Delivery.objects.update(next_attempt_at="2000-01-01T00:00:00Z")
    [taken] = claim_due(limit=1).deliveries

    def answer_after_the_customer_is_gone(**_: Any) -> HttpResult:
        admin.delete(f"{CUSTOMERS}/{customer['customerId']}")
        return HttpResult(status_code=200, latency_ms=1.0)

    caplog.set_level(logging.INFO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "http_post", answer_after_the_customer_is_gone)
        log = worker.attempt(taken)

    assert log.pk is None
    assert DeliveryAttempt.objects.count() == 0
    assert [record.levelname for record in caplog.records if record.name == "webhooks.worker"] == ["INFO"]
    assert f"delivery {taken.pk} was removed during its attempt" in caplog.text


# --- the caller's tenant -------------------------------------------------------------------


def test_it_shows_the_callers_tenant_with_its_counts_and_cursor(admin: GatewayClient) -> None:
    customer = created(admin, {"name": "Acme", "tenantName": "Acme EU"})
    busy(customer)
    client = GatewayClient(customer["apiKey"])
    client.get("/sandbox/v1/events")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/sandbox/v1/tenant")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "tenantId": customer["tenantId"],
        "tenantName": "Acme EU",
        "customerId": customer["customerId"],
        "customerName": "Acme",
        "counts": {"conversations": 1, "queues": 3, "agents": 4, "webhooks": 1, "channels": 1},
        "cursor": 5,
    }
    assert response["X-Sandbox-Cursor"] == "5"
    # The key and tenant, its customer, five counts, the cursor (body and header) twice.
    assert len(queries) == 11


def test_a_reset_removes_the_tenants_conversations_and_all_they_left_behind(
    admin: GatewayClient, django_capture_on_commit_callbacks: Any
) -> None:
    customer, other = created(admin), created(admin)
    stored = busy(customer)["file"]
    busy(other)
    others_before = rows(other["tenantId"])
    assert rows(customer["tenantId"]) == {
        "conversations": 1,
        "interactions": 1,
        "participants": 1,
        "messages": 1,
        "attachments": 1,
        "cards": 0,
        "offers": 1,
        "events": 5,
        "deliveries": 5,
        "deliveryAttempts": 1,
        "timers": 1,
        "webhooks": 1,
        "channels": 1,
        "queues": 3,
        "agents": 4,
        "scripts": 1,
    }
    assert default_storage.exists(stored)
    client = GatewayClient(customer["apiKey"])
    cursor = client.get("/sandbox/v1/tenant")["X-Sandbox-Cursor"]

    pushed: list[list[int]] = []
    with pytest.MonkeyPatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr("conversations.events.desk.push_desks_reload", lambda pks: pushed.append(sorted(pks)))
        response = client.post("/sandbox/v1/tenant/reset", {})

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "scope": "conversations",
        "removed": {
            "attachments": 1,
            "conversations": 1,
            "deliveries": 5,
            "deliveryAttempts": 1,
            "events": 5,
            "interactions": 1,
            "journalEntries": 0,
            "messages": 1,
            "offers": 1,
            "participants": 1,
            "timers": 1,
        },
        "agentsRestored": 1,
        "cursor": int(cursor),
    }
    assert rows(customer["tenantId"]) == {
        **{kind: 0 for kind in rows(customer["tenantId"])},
        "webhooks": 1,
        "channels": 1,
        "queues": 3,
        "agents": 4,
        "scripts": 1,
    }
    assert rows(other["tenantId"]) == others_before
    assert pushed == [
        sorted(Agent.objects.filter(tenant_id=customer["tenantId"]).values_list("pk", flat=True))
    ]
    assert Agent.objects.get(tenant_id=customer["tenantId"], public_id="agent-bruno").status == "available"
    assert Agent.objects.get(tenant_id=other["tenantId"], public_id="agent-bruno").status == "busy"
    assert not default_storage.exists(stored)
    assert claim_due(limit=100, now=None).deliveries[0].event.tenant_id == other["tenantId"]


def test_a_reset_of_all_also_removes_webhooks_and_channels(admin: GatewayClient) -> None:
    customer = created(admin)
    busy(customer)
    client = GatewayClient(customer["apiKey"])
    autopilot = client.put("/sandbox/v1/queues/100/autopilot", {"reply": {"mode": "echo"}})
    assert autopilot.status_code == 200

    response = client.post("/sandbox/v1/tenant/reset", {"scope": "all"})

    assert response.status_code == 200
    body = json.loads(response.content)
    assert (body["scope"], body["removed"]["webhooks"], body["removed"]["channels"]) == ("all", 1, 1)
    assert body["removed"]["autopilots"] == 1
    assert client.get("/sandbox/v1/queues/100/autopilot").status_code == 404
    assert {kind: count for kind, count in rows(customer["tenantId"]).items() if count} == {
        "queues": 3,
        "agents": 4,
        "scripts": 1,
    }


def test_a_reset_never_moves_the_cursor_back(admin: GatewayClient) -> None:
    customer = created(admin)
    busy(customer)
    client = GatewayClient(customer["apiKey"])
    assert client.get("/sandbox/v1/tenant")["X-Sandbox-Cursor"] == "5"
    client.post("/sandbox/v1/tenant/reset", {"scope": "all"})

    busy(customer)

    events = json.loads(client.get("/sandbox/v1/events").content)["events"]
    assert [event["cursor"] for event in events] == [6, 7, 8, 9, 10]


def test_a_reset_of_an_empty_tenant_removes_nothing(world: World, control: GatewayClient) -> None:
    response = control.post("/sandbox/v1/tenant/reset")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "scope": "conversations",
        "removed": {"conversations": 0, "events": 0, "journalEntries": 0, "timers": 0},
        "agentsRestored": 0,
        "cursor": 0,
    }


def test_an_unknown_reset_scope_is_a_400(world: World, control: GatewayClient) -> None:
    response = control.post("/sandbox/v1/tenant/reset", {"scope": "everything"})

    assert response.status_code == 400
    assert [error["message"] for error in problem(response)["errors"]] == [
        'scope: "everything" is not a valid choice.'
    ]


def test_the_schema_documents_the_operations(admin: GatewayClient) -> None:
    schema = json.loads(GatewayClient(None).get("/api/sandbox-v1.oas.json").content)

    operations = {
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    }
    assert {"customers_create", "customers_delete", "tenant_get", "tenant_reset"} <= operations


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _offered_world() -> tuple[World, str]:
    world = world_create()
    world.agent(public_id="agent-anna", name="Anna")
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})
    return world, conversation.id


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_open_desks_reload_their_state_after_a_reset() -> None:
    world, conversation_id = await database_sync_to_async(_offered_world)()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/desk/{world.tenant.id}/agent-anna/"
    )
    connected, _ = await communicator.connect(timeout=2)
    assert connected
    before = await communicator.receive_json_from(timeout=2)
    assert [offer["conversationId"] for offer in before["offers"]] == [conversation_id]

    await database_sync_to_async(tenant_reset)(tenant=world.tenant)

    after = await communicator.receive_json_from(timeout=2)
    assert (after["type"], after["offers"], after["chats"]) == ("snapshot", [], [])
    assert after["agent"]["status"] == "available"
    await communicator.disconnect()
