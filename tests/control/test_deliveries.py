"""Deliveries: the tenant's log, one delivery with its attempts, re-send and retry-now."""

import json
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from conversations.api.gateway.base import iso_timestamp
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create
from tests.webhooks.receiver import Receiver, receiver
from tests.webhooks.support import start_conversation
from webhooks.claims import claim_due
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Event
from webhooks.worker import attempt

__all__ = ["receiver"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(world: World, receiver: Receiver) -> World:
    world.webhook.uri = receiver.url
    world.webhook.save(update_fields=["uri"])
    return world


def deliver_due() -> list[DeliveryAttempt]:
    """What the worker does, in the test's thread: claim what is due and attempt it."""
    logs = []
    while claimed := claim_due().deliveries:
        logs.extend(attempt(delivery) for delivery in claimed)
    return logs


def body(response: HttpResponse) -> Any:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def iso(moment: datetime | None) -> str | None:
    return iso_timestamp(moment) if moment is not None else None


def expected_summary(delivery: Delivery) -> dict[str, Any]:
    delivery.refresh_from_db()
    return {
        "id": delivery.id,
        "webhookId": delivery.webhook_id,
        "uri": delivery.uri,
        "eventId": delivery.event.event_id,
        "eventType": delivery.event.type,
        "conversationId": delivery.event.conversation_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "signed": True,
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error,
        "nextAttemptAt": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "createdAt": iso(delivery.created_at),
        "updatedAt": iso(delivery.updated_at),
    }


def test_it_lists_the_tenants_deliveries_newest_event_first(world: World, control: GatewayClient) -> None:
    conversation = start_conversation(world)
    start_conversation(world_create())
    ordered = list(Delivery.objects.filter(event__conversation=conversation).order_by("-event_id"))

    listed = body(control.get("/sandbox/v1/deliveries"))

    assert listed == {"deliveries": [expected_summary(d) for d in ordered], "hasMore": False}
    assert [d["eventType"] for d in listed["deliveries"]] == [
        "QUEUED",
        "CONVERSATION_UPDATE",
        "CONVERSATION_UPDATE",
    ]


def test_listing_costs_the_same_queries_however_many_deliveries(world: World, control: GatewayClient) -> None:
    start_conversation(world)
    control.get("/sandbox/v1/deliveries")
    with CaptureQueriesContext(connection) as three:
        control.get("/sandbox/v1/deliveries")
    for name in ("Second", "Third"):
        start_conversation(world, name)
    control.get("/sandbox/v1/deliveries")
    with CaptureQueriesContext(connection) as nine:
        assert len(body(control.get("/sandbox/v1/deliveries"))["deliveries"]) == 9

    assert len(nine) == len(three)


def test_it_filters_by_webhook_event_conversation_and_status(
    hooked: World, receiver: Receiver, control: GatewayClient
) -> None:
    first = start_conversation(hooked, "First")
    second = start_conversation(hooked, "Second")
    receiver.respond_with(sequence=[500])
    deliver_due()
    failed = Delivery.objects.get(status=DeliveryStatus.PENDING)
    queued = Event.objects.get(conversation=second, type="QUEUED")

    def ids(query: str) -> list[str]:
        return [d["id"] for d in body(control.get(f"/sandbox/v1/deliveries?{query}"))["deliveries"]]

    assert ids("status=pending") == [failed.id]
    assert len(ids("status=succeeded")) == 5
    assert ids(f"event={queued.event_id}") == list(
        Delivery.objects.filter(event=queued).values_list("id", flat=True)
    )
    assert set(ids(f"conversation={first.id}")) == set(
        Delivery.objects.filter(event__conversation=first).values_list("id", flat=True)
    )
    assert len(ids(f"webhook={hooked.webhook.id}")) == 6
    assert ids("webhook=elsewhere") == []
    page = body(control.get("/sandbox/v1/deliveries?limit=2"))
    assert len(page["deliveries"]) == 2
    assert page["hasMore"] is True


def test_it_refuses_an_unknown_status_naming_the_field(world: World, control: GatewayClient) -> None:
    response = control.get("/sandbox/v1/deliveries?status=lost")

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "invalid_json_object", "message": 'status: "lost" is not a valid choice.'}
    ]


def test_it_shows_a_delivery_with_every_attempt(
    hooked: World, receiver: Receiver, control: GatewayClient
) -> None:
    conversation = start_conversation(hooked)
    receiver.respond_with(sequence=[503, 503, 503])
    deliver_due()
    control.post("/sandbox/v1/deliveries/retry-now")
    deliver_due()
    delivery = Delivery.objects.get(event__conversation=conversation, event__type="QUEUED")
    attempts = list(delivery.attempt_log.order_by("retry"))

    shown = body(control.get(f"/sandbox/v1/deliveries/{delivery.id}"))

    assert shown == {
        **expected_summary(delivery),
        "body": delivery.body,
        "attemptLog": [
            {
                "retry": log.retry,
                "startedAt": iso(log.started_at),
                "requestHeaders": log.request_headers,
                "requestBody": delivery.body,
                "statusCode": log.status_code,
                "responseHeaders": log.response_headers,
                "responseBody": log.response_body,
                "latencyMs": log.latency_ms,
                "error": log.error,
            }
            for log in attempts
        ],
    }
    assert [(a["retry"], a["statusCode"]) for a in shown["attemptLog"]] == [(0, 503), (1, 200)]
    assert shown["attemptLog"][0]["requestHeaders"]["x-8x8-event-id"] == delivery.event.event_id


def test_another_tenants_delivery_is_not_found(world: World, control: GatewayClient) -> None:
    start_conversation(world_create())
    foreign = Delivery.objects.first()
    assert foreign is not None

    for response in (
        control.get(f"/sandbox/v1/deliveries/{foreign.id}"),
        control.post(f"/sandbox/v1/deliveries/{foreign.id}/resend"),
        control.get("/sandbox/v1/deliveries/nope"),
    ):
        assert response.status_code == 404
        assert problem(response)["title"] == "Not Found"
    assert Delivery.objects.get(pk=foreign.pk).status == DeliveryStatus.PENDING


def test_resend_sends_the_event_again_with_the_same_id_and_the_next_retry(
    hooked: World, receiver: Receiver, control: GatewayClient
) -> None:
    start_conversation(hooked)
    deliver_due()
    delivery = Delivery.objects.get(event__type="QUEUED")

    response = control.post(f"/sandbox/v1/deliveries/{delivery.id}/resend")

    assert response.status_code == 202
    assert json.loads(response.content) == expected_summary(delivery)
    assert json.loads(response.content)["status"] == "pending"
    deliver_due()
    copies = [r for r in receiver.snapshot() if r.event_id == delivery.event.event_id]
    assert [r.retry for r in copies] == [0, 1]
    assert copies[0].body == copies[1].body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert list(delivery.attempt_log.values_list("retry", "status_code")) == [(0, 200), (1, 200)]


def test_a_delivery_being_attempted_is_not_resent(hooked: World, control: GatewayClient) -> None:
    start_conversation(hooked)
    [claimed] = claim_due(limit=1).deliveries

    response = control.post(f"/sandbox/v1/deliveries/{claimed.id}/resend")

    assert response.status_code == 400
    assert problem(response)["errors"] == [
        {"code": "in_flight", "message": f"Delivery {claimed.id} is being attempted right now."}
    ]
    assert Delivery.objects.get(pk=claimed.pk).status == DeliveryStatus.IN_FLIGHT


def test_retry_now_makes_the_tenants_pending_retries_due(
    hooked: World, receiver: Receiver, control: GatewayClient
) -> None:
    other = world_create(uri=receiver.url_for("other"))
    receiver.respond_with(status=500)
    start_conversation(hooked)
    start_conversation(other)
    deliver_due()
    assert claim_due().deliveries == []

    response = control.post("/sandbox/v1/deliveries/retry-now")

    assert body(response) == {"retried": 3}
    again = claim_due().deliveries
    assert {d.event.tenant_id for d in again} == {hooked.tenant.id}
    assert len(again) == 3


def test_the_schema_documents_the_delivery_webhook_key_timer_and_transcript_operations(world: World) -> None:
    schema = json.loads(GatewayClient(None).get("/api/sandbox-v1.oas.json").content)

    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "deliveries_list",
        "deliveries_get",
        "deliveries_resend",
        "deliveries_retry_now",
        "webhooks_list",
        "webhooks_set_echo",
        "keys_list",
        "keys_rotate",
        "timers_list",
        "timers_fire",
        "conversations_list",
        "conversations_transcript",
    } <= operations
