"""Webhook services: verify, the hello on creation, re-send, retry-now, echo."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings

from conversations.services.messages import agent_message_send, message_post
from conversations.services.offers import offer_accept
from gateway_sim.domain_errors import InvalidTransition, WebhookVerificationFailed
from tests.factories import World, world_create
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import START, local_jwks, start_conversation
from tests.webhooks.verifier import verify_request
from webhooks.claims import claim_due
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Event, WebhookVersion
from webhooks.services import (
    deliveries_retry_now,
    delivery_resend,
    webhook_create,
    webhook_delete,
    webhook_set_echo,
    webhook_update,
    webhook_verify,
)
from webhooks.worker import attempt

pytestmark = pytest.mark.django_db

GATEWAY_VERIFY = b'{"notificationVersion":"Chat Gateway v1.0","eventType":"WEB_HOOK_VERIFY"}'


def deliver_due() -> list[DeliveryAttempt]:
    logs = []
    while claimed := claim_due().deliveries:
        logs.extend(attempt(delivery) for delivery in claimed)
    return logs


# --- verify -----------------------------------------------------------------------------


def test_verify_sends_a_signed_web_hook_verify_and_returns_on_a_2xx(world: World, receiver: Receiver) -> None:
    receiver.respond_with(status=204)

    webhook_verify(tenant=world.tenant, uri=receiver.url_for("verify"), version=WebhookVersion.GATEWAY)

    [request] = receiver.snapshot()
    assert request.path == "/verify"
    assert request.body == GATEWAY_VERIFY
    assert request.headers["x-8x8-tenant-id"] == world.tenant.id
    assert request.headers["x-8x8-customer-id"] == world.tenant.customer_id
    assert request.headers["x-8x8-retry"] == "0"
    verify_request(request, local_jwks)
    event = Event.objects.get(event_id=request.event_id)
    assert event.type == "WEB_HOOK_VERIFY"
    assert event.conversation is None
    assert event.tenant == world.tenant
    delivery = Delivery.objects.get(event=event)
    assert delivery.webhook is None
    assert delivery.uri == receiver.url_for("verify")
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 204
    assert list(delivery.attempt_log.values_list("retry", "status_code")) == [(0, 204)]


def test_verify_fails_naming_the_status_and_is_not_retried(world: World, receiver: Receiver) -> None:
    receiver.respond_with(status=404)

    with pytest.raises(WebhookVerificationFailed) as failure:
        webhook_verify(tenant=world.tenant, uri=receiver.url, version=WebhookVersion.GATEWAY)

    assert failure.value.code == "webhook_verification_failed"
    assert failure.value.message == f"Webhook verification of {receiver.url} failed: it answered HTTP 404."
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code == 404
    assert claim_due().deliveries == []


def test_verify_fails_naming_the_connection_error(world: World) -> None:
    with pytest.raises(WebhookVerificationFailed) as failure:
        webhook_verify(tenant=world.tenant, uri="http://127.0.0.1:9/hook", version=WebhookVersion.GATEWAY)

    assert failure.value.message.startswith(
        "Webhook verification of http://127.0.0.1:9/hook failed: connection"
    )
    assert "refused" in failure.value.message.lower()
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


@override_settings(SANDBOX_WEBHOOK_TIMEOUT_SECONDS=0.2)
def test_verify_fails_when_the_target_answers_too_late(world: World, receiver: Receiver) -> None:
    receiver.respond_with(delay=0.5)

    with pytest.raises(WebhookVerificationFailed) as failure:
        webhook_verify(tenant=world.tenant, uri=receiver.url, version=WebhookVersion.GATEWAY)

    assert failure.value.message == f"Webhook verification of {receiver.url} failed: timed out after 0.2 s."


def test_verify_of_a_legacy_v2_webhook_announces_v2_and_is_signed(world: World, receiver: Receiver) -> None:
    webhook_verify(tenant=world.tenant, uri=receiver.url, version=WebhookVersion.LEGACY_V2)

    [request] = receiver.snapshot()
    assert request.body == b'{"notificationVersion":"v2.0","eventType":"WEB_HOOK_VERIFY"}'
    verify_request(request, local_jwks)


def test_creating_a_webhook_queues_a_signed_hello_without_calling_it_inline(receiver: Receiver) -> None:
    world = world_create()

    webhook = webhook_create(
        tenant=world.tenant, name="Bot", uri=receiver.url, version=WebhookVersion.GATEWAY
    )

    assert receiver.snapshot() == []
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.body == GATEWAY_VERIFY.decode()
    assert delivery.signed
    assert delivery.event.conversation is None

    deliver_due()

    [request] = receiver.snapshot()
    assert request.body == GATEWAY_VERIFY
    verify_request(request, local_jwks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_creating_a_webhook_with_an_unreachable_uri_still_creates_it(world: World) -> None:
    webhook = webhook_create(
        tenant=world.tenant, name="Down", uri="http://127.0.0.1:9/down", version=WebhookVersion.GATEWAY
    )

    deliver_due()

    assert not webhook.is_deleted
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1


def test_a_v1_legacy_webhook_gets_an_unsigned_hello(world: World) -> None:
    webhook = webhook_create(
        tenant=world.tenant, name="Old", uri="http://127.0.0.1:9/", version=WebhookVersion.LEGACY_V1
    )

    assert not Delivery.objects.get(webhook=webhook).signed


# --- re-send and retry-now ------------------------------------------------------------------


def test_resending_a_delivered_event_sends_it_again_with_the_same_event_id(
    hooked: World, receiver: Receiver
) -> None:
    start_conversation(hooked)
    deliver_due()
    delivery = Delivery.objects.order_by("event_id").first()
    assert delivery is not None

    resent = delivery_resend(delivery=delivery)
    assert resent.status == DeliveryStatus.PENDING
    deliver_due()

    copies = [r for r in receiver.snapshot() if r.event_id == delivery.event.event_id]
    assert [r.retry for r in copies] == [0, 1]
    assert copies[0].body == copies[1].body
    assert copies[0].headers["x-8x8-transmission-time"] <= copies[1].headers["x-8x8-transmission-time"]
    for copy in copies:
        verify_request(copy, local_jwks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2


def test_resending_a_failed_delivery_gives_it_one_more_attempt(hooked: World, receiver: Receiver) -> None:
    receiver.respond_with(status=500)
    with override_settings(SANDBOX_RETRY_SCHEDULE_SECONDS=[]):
        start_conversation(hooked)
        deliver_due()
        delivery = Delivery.objects.order_by("event_id").first()
        assert delivery is not None
        assert delivery.status == DeliveryStatus.FAILED

        delivery_resend(delivery=delivery)
        [log] = [log for log in deliver_due() if log.delivery_id == delivery.pk]

    assert log.retry == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2


def test_a_delivery_being_attempted_cannot_be_resent(hooked: World) -> None:
    start_conversation(hooked)
    [claimed] = claim_due(limit=1).deliveries

    with pytest.raises(InvalidTransition) as refusal:
        delivery_resend(delivery=claimed)

    assert refusal.value.message == f"Delivery {claimed.pk} is being attempted right now."


def test_retry_now_makes_the_tenants_pending_retries_due(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    other = world_create(uri=receiver.url_for("other"))
    receiver.respond_with(status=500)
    start_conversation(hooked)
    start_conversation(other)
    deliver_due()
    assert claim_due().deliveries == []

    moved = deliveries_retry_now(tenant=hooked.tenant)

    assert moved == 3
    again = claim_due().deliveries
    assert {d.event.tenant_id for d in again} == {hooked.tenant.id}
    assert len(again) == 3
    assert (
        Delivery.objects.filter(
            event__tenant=other.tenant, next_attempt_at=START + timedelta(seconds=1)
        ).count()
        == 3
    )


# --- update and delete ----------------------------------------------------------------------


def test_updating_a_webhook_sends_its_pending_deliveries_to_the_new_uri(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    receiver.respond_with(status=500)
    conversation = start_conversation(hooked)
    deliver_due()
    message_post(conversation=conversation, author_type="user", text="later")
    [in_flight] = claim_due(limit=1).deliveries
    receiver.clear()
    receiver.respond_with(status=200)

    webhook_update(
        webhook=hooked.webhook, name="moved", uri=receiver.url_for("moved"), version=hooked.webhook.version
    )

    moved = receiver.url_for("moved")
    assert dict(Delivery.objects.values_list("id", "uri")) == {
        **{pk: moved for pk in Delivery.objects.exclude(pk=in_flight.pk).values_list("id", flat=True)},
        in_flight.pk: receiver.url,
    }
    attempt(in_flight)
    deliveries_retry_now(tenant=hooked.tenant)
    deliver_due()
    assert sorted((r.path, r.retry) for r in receiver.snapshot()) == [
        ("/hook", 0),
        ("/moved", 1),
        ("/moved", 1),
        ("/moved", 1),
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_deleting_a_webhook_fails_its_pending_deliveries_naming_the_deletion(
    hooked: World, receiver: Receiver
) -> None:
    start_conversation(hooked)
    [delivered] = claim_due(limit=1).deliveries
    attempt(delivered)
    [in_flight] = claim_due(limit=1).deliveries

    webhook_delete(webhook=hooked.webhook)

    reason = f"webhook {hooked.webhook.id} was deleted"
    assert sorted(Delivery.objects.values_list("id", "status", "last_error")) == sorted(
        [
            (delivered.pk, DeliveryStatus.SUCCEEDED, ""),
            (in_flight.pk, DeliveryStatus.IN_FLIGHT, ""),
            *(
                (pk, DeliveryStatus.FAILED, reason)
                for pk in Delivery.objects.exclude(pk__in=[delivered.pk, in_flight.pk]).values_list(
                    "id", flat=True
                )
            ),
        ]
    )
    assert Delivery.objects.filter(status=DeliveryStatus.FAILED).count() == 1
    assert claim_due().deliveries == []


def test_a_delivery_in_flight_while_its_webhook_changes_retries_to_the_new_uri(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    receiver.respond_with(status=500)
    start_conversation(hooked)
    [in_flight] = claim_due(limit=1).deliveries
    moved = receiver.url_for("moved")
    webhook_update(webhook=hooked.webhook, name="moved", uri=moved, version=hooked.webhook.version)

    attempt(in_flight)

    in_flight.refresh_from_db()
    assert (in_flight.status, in_flight.uri) == (DeliveryStatus.PENDING, moved)


def test_a_delivery_in_flight_while_its_webhook_is_deleted_is_not_retried(
    hooked: World, receiver: Receiver
) -> None:
    receiver.respond_with(status=500)
    start_conversation(hooked)
    [in_flight] = claim_due(limit=1).deliveries
    webhook_delete(webhook=hooked.webhook)

    log = attempt(in_flight)

    assert log.status_code == 500
    in_flight.refresh_from_db()
    assert (in_flight.status, in_flight.last_status_code, in_flight.last_error) == (
        DeliveryStatus.FAILED,
        500,
        f"webhook {hooked.webhook.id} was deleted",
    )
    assert claim_due().deliveries == []


# --- echo -----------------------------------------------------------------------------------


def test_echo_of_integration_messages_is_on_by_default_and_can_be_switched_off(hooked: World) -> None:
    agent = hooked.agent()
    conversation = start_conversation(hooked)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)

    message_post(conversation=conversation, author_type="user", text="echoed")
    webhook_set_echo(webhook=hooked.webhook, echo=False)
    message_post(conversation=conversation, author_type="user", text="not echoed")
    agent_message_send(conversation=conversation, agent=agent, text="from the agent")

    hooked.webhook.refresh_from_db()
    assert hooked.webhook.echo is False
    delivered = [
        (d.event.payload["data"]["text"], d.event.payload["data"]["isEcho"])
        for d in Delivery.objects.filter(event__type="MESSAGE").order_by("event_id")
    ]
    assert delivered == [("echoed", True), ("from the agent", False)]
