"""The delivery worker's steps, driven one at a time against a real local receiver.

`claim_due().deliveries` and `attempt()` run in the test's thread and transaction; the HTTP is real.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from conversations.models import Conversation
from tests.factories import World
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import START, local_jwks, start_conversation
from tests.webhooks.verifier import verify_all, verify_request
from webhooks.claims import claim_due, lease_seconds
from webhooks.delivery import RESPONSE_BODY_LIMIT
from webhooks.keys import signing_key_current
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Event
from webhooks.worker import attempt

pytestmark = pytest.mark.django_db


def event_ids(conversation: Conversation) -> list[str]:
    return list(
        Event.objects.filter(conversation=conversation)
        .order_by("sequence")
        .values_list("event_id", flat=True)
    )


def claimed_event_ids(deliveries: list[Delivery]) -> list[str]:
    return [delivery.event.event_id for delivery in deliveries]


def test_an_attempt_posts_the_exact_body_with_8x8s_signed_headers(hooked: World, receiver: Receiver) -> None:
    conversation = start_conversation(hooked)
    first = Delivery.objects.order_by("event_id").select_related("event").first()
    assert first is not None

    [claimed] = claim_due(limit=1).deliveries
    log = attempt(claimed)

    [request] = receiver.snapshot()
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.body == first.body.encode()
    assert request.json() == first.event.payload
    assert request.json()["conversationId"] == conversation.id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-8x8-tenant-id"] == hooked.tenant.id
    assert request.headers["x-8x8-customer-id"] == hooked.tenant.customer_id
    assert request.headers["x-8x8-event-id"] == first.event.event_id
    assert request.headers["x-8x8-retry"] == "0"
    assert verify_request(request, local_jwks) == signing_key_current().kid

    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.SUCCEEDED
    assert claimed.attempts == 1
    assert claimed.claimed_until is None
    assert claimed.last_status_code == 200
    assert claimed.last_error == ""
    assert log.delivery_id == claimed.pk
    assert log.retry == 0
    assert log.status_code == 200
    assert log.error == ""
    assert log.request_body == first.body
    assert log.request_headers == {
        name: value for name, value in request.headers.items() if name.startswith(("x-8x8-", "content-type"))
    }
    assert log.response_headers["content-length"] == "0"
    assert log.response_body == ""
    assert log.latency_ms > 0


def test_first_attempts_go_out_in_event_order_per_conversation(hooked: World, receiver: Receiver) -> None:
    anna = start_conversation(hooked, "Anna")
    bruno = start_conversation(hooked, "Bruno")
    anna_events, bruno_events = event_ids(anna), event_ids(bruno)

    rounds = []
    while claimed := claim_due(limit=10).deliveries:
        # Each round holds at most the head of each conversation: the next event of a
        # conversation waits until the previous one has had its first attempt.
        rounds.append(claimed_event_ids(claimed))
        for delivery in claimed:
            attempt(delivery)

    assert rounds == [[anna_events[i], bruno_events[i]] for i in range(3)]
    arrived = [request.event_id for request in receiver.snapshot()]
    assert [eid for eid in arrived if eid in anna_events] == anna_events
    assert [eid for eid in arrived if eid in bruno_events] == bruno_events


def test_a_failing_event_does_not_block_the_events_after_it(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    receiver.respond_with(sequence=[500])
    conversation = start_conversation(hooked)
    created, active, queued = event_ids(conversation)

    [first] = claim_due().deliveries
    attempt(first)
    [second] = claim_due().deliveries
    attempt(second)
    [third] = claim_due().deliveries
    attempt(third)

    assert claimed_event_ids([first, second, third]) == [created, active, queued]
    first.refresh_from_db()
    assert first.status == DeliveryStatus.PENDING
    assert first.next_attempt_at == START + timedelta(seconds=1)
    assert claim_due().deliveries == []

    clock.shift(timedelta(seconds=1))
    [retried] = claim_due().deliveries
    attempt(retried)

    assert retried.pk == first.pk
    assert [(r.event_id, r.retry, r.status) for r in receiver.snapshot()] == [
        (created, 0, 500),
        (active, 0, 200),
        (queued, 0, 200),
        (created, 1, 200),
    ]
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 3


@override_settings(SANDBOX_RETRY_SCHEDULE_SECONDS=[1.0, 5.0, 30.0], SANDBOX_TIME_SCALE=0.5)
def test_retries_follow_the_schedule_scaled_by_the_time_scale_then_fail(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    receiver.respond_with(status=503)
    hooked.channel.webhook = hooked.webhook
    start_conversation(hooked)
    delivery = Delivery.objects.order_by("event_id").first()
    assert delivery is not None
    Delivery.objects.exclude(pk=delivery.pk).delete()

    moments = []
    for delay in (0.5, 2.5, 15.0):
        [claimed] = claim_due().deliveries
        attempt(claimed)
        claimed.refresh_from_db()
        assert claimed.status == DeliveryStatus.PENDING
        assert claimed.next_attempt_at == START + timedelta(seconds=sum(moments) + delay)
        assert claim_due(now=START + timedelta(seconds=sum(moments)))[1:] == (0, claimed.next_attempt_at)
        clock.shift(timedelta(seconds=delay - 0.001))
        assert claim_due().deliveries == []
        clock.shift(timedelta(seconds=0.001))
        moments.append(delay)
    [last] = claim_due().deliveries
    attempt(last)

    last.refresh_from_db()
    assert last.status == DeliveryStatus.FAILED
    assert last.attempts == 4
    assert last.last_status_code == 503
    assert last.last_error == "HTTP 503"
    requests = receiver.snapshot()
    assert [r.retry for r in requests] == [0, 1, 2, 3]
    assert {r.event_id for r in requests} == {delivery.event.event_id}
    assert [int(r.headers["x-8x8-transmission-time"]) for r in requests] == [
        int((START + timedelta(seconds=offset)).timestamp() * 1000) for offset in (0, 0.5, 3.0, 18.0)
    ]
    verify_all(requests, local_jwks)
    assert list(DeliveryAttempt.objects.filter(delivery=last).values_list("retry", "status_code")) == [
        (0, 503),
        (1, 503),
        (2, 503),
        (3, 503),
    ]


def test_a_crashed_attempt_is_claimed_again_when_its_lease_runs_out(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    start_conversation(hooked)
    [lost] = claim_due(limit=1).deliveries

    # The worker that claimed it died: nobody may take it while its lease runs...
    clock.shift(timedelta(seconds=lease_seconds() - 1))
    assert lost.pk not in [d.pk for d in claim_due().deliveries]

    # ...and afterwards anyone may, as a retry of the same event.
    clock.shift(timedelta(seconds=2))
    reclaimed = [d for d in claim_due().deliveries if d.pk == lost.pk]
    assert [d.attempts for d in reclaimed] == [2]
    attempt(reclaimed[0])

    [request] = [r for r in receiver.snapshot() if r.event_id == lost.event.event_id]
    assert request.retry == 1


def test_an_attempt_whose_lease_was_taken_over_is_logged_but_does_not_move_the_delivery(
    hooked: World, receiver: Receiver, clock: time_machine.Traveller
) -> None:
    start_conversation(hooked)
    [slow] = claim_due(limit=1).deliveries
    clock.shift(timedelta(seconds=lease_seconds() + 1))
    [taken_over] = [d for d in claim_due().deliveries if d.pk == slow.pk]
    receiver.respond_with(sequence=[500])

    attempt(slow)

    taken_over.refresh_from_db()
    assert taken_over.status == DeliveryStatus.IN_FLIGHT
    assert taken_over.attempts == 2
    assert DeliveryAttempt.objects.get(delivery=slow).status_code == 500

    attempt(taken_over)

    taken_over.refresh_from_db()
    assert taken_over.status == DeliveryStatus.SUCCEEDED
    assert list(DeliveryAttempt.objects.filter(delivery=slow).values_list("retry", "status_code")) == [
        (0, 500),
        (1, 200),
    ]


def test_unsigned_deliveries_carry_every_header_but_the_signature(hooked: World, receiver: Receiver) -> None:
    start_conversation(hooked)
    Delivery.objects.update(signed=False)

    [claimed] = claim_due(limit=1).deliveries
    attempt(claimed)

    [request] = receiver.snapshot()
    assert "x-8x8-signature" not in request.headers
    assert request.headers["x-8x8-event-id"] == claimed.event.event_id
    assert request.headers["x-8x8-retry"] == "0"


@override_settings(SANDBOX_WEBHOOK_TIMEOUT_SECONDS=0.2)
def test_a_receiver_slower_than_the_timeout_counts_as_a_failure(hooked: World, receiver: Receiver) -> None:
    receiver.respond_with(delay=0.5)
    start_conversation(hooked)

    [claimed] = claim_due(limit=1).deliveries
    log = attempt(claimed)

    assert log.status_code is None
    assert log.error == "timed out after 0.2 s"
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.PENDING
    assert claimed.last_error == "timed out after 0.2 s"


@override_settings(SANDBOX_WEBHOOK_TIMEOUT_SECONDS=0.3)
@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "whole answer"])
def test_a_receiver_dripping_its_answer_is_cut_off_at_the_timeout(
    hooked: World, receiver: Receiver, drip_headers: bool
) -> None:
    # Every gap between two bytes is far below the timeout; the whole answer takes seconds.
    receiver.respond_with(status=200, body=b"x" * 40, drip=0.05, drip_headers=drip_headers)
    start_conversation(hooked)

    [claimed] = claim_due(limit=1).deliveries
    started = time.monotonic()
    log = attempt(claimed)
    elapsed = time.monotonic() - started

    assert log.status_code is None
    assert log.error == "timed out after 0.3 s"
    assert elapsed < 0.3 + 0.5
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.PENDING
    assert claimed.last_error == "timed out after 0.3 s"


def test_an_unreachable_uri_is_logged_with_the_reason(world: World) -> None:
    start_conversation(world)

    [claimed] = claim_due(limit=1).deliveries
    log = attempt(claimed)

    assert log.status_code is None
    assert log.error.startswith("connection failed: ")
    assert "refused" in log.error.lower()
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.PENDING
    assert claimed.last_status_code is None


def test_a_redirect_is_not_followed_and_counts_as_a_failure(hooked: World, receiver: Receiver) -> None:
    receiver.respond_with(sequence=[302])
    start_conversation(hooked)

    [claimed] = claim_due(limit=1).deliveries
    log = attempt(claimed)

    assert log.status_code == 302
    assert len(receiver.snapshot()) == 1
    claimed.refresh_from_db()
    assert claimed.status == DeliveryStatus.PENDING
    assert claimed.last_error == "HTTP 302"


def test_the_logged_response_body_is_trimmed(hooked: World, receiver: Receiver) -> None:
    receiver.respond_with(status=500, body=b"x" * (RESPONSE_BODY_LIMIT * 3))
    start_conversation(hooked)

    [claimed] = claim_due(limit=1).deliveries
    log = attempt(claimed)

    assert log.status_code == 500
    assert log.response_body == "x" * RESPONSE_BODY_LIMIT


def test_nothing_is_claimed_twice(hooked: World) -> None:
    start_conversation(hooked, "Anna")
    start_conversation(hooked, "Bruno")

    first = claim_due(limit=10).deliveries
    second = claim_due(limit=10).deliveries

    assert len(first) == 2
    assert second == []
    assert set(Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT).values_list("pk", flat=True)) == {
        d.pk for d in first
    }


def test_a_claim_counts_what_is_due_but_waits_behind_its_streams_head(hooked: World) -> None:
    start_conversation(hooked)
    start_conversation(hooked, name="Second")
    now = timezone.now()

    first = claim_due(limit=8, now=now)
    second = claim_due(limit=8, now=now)

    # Three events per conversation, only each conversation's first may go.
    assert (len(first.deliveries), first.due) == (2, 6)
    # The rest are due but blocked behind the two in flight: counted, not taken.
    assert (second.deliveries, second.due) == ([], 4)
    assert second.next_at == now + timedelta(seconds=lease_seconds())
