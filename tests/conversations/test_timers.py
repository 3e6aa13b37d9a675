"""Timers fire by themselves in the server process, and exactly once however many clocks run."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from conversations.models import Agent, Offer, OfferStatus, Timer, TimerKind
from conversations.services.clock import TIMER_HANDLERS, run_clock, timers_fire_due
from conversations.services.lifecycle import conversation_create
from conversations.services.offers import offer_expire
from conversations.services.timers import clock_wakeup
from tests.factories import World, world_create


def offered(world: World) -> Offer:
    world.agent()
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Kim"})
    return Offer.objects.get(interaction__conversation=conversation)


def wait_until(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db
def test_a_fired_timer_does_not_fire_again(world: World) -> None:
    offer = offered(world)

    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert timers_fire_due() == 1
        # The expiry re-offered the chat with a new timer, due 20 s from this moment.
        assert timers_fire_due() == 0

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert Timer.objects.get(kind=TimerKind.OFFER_TIMEOUT, ref=offer.id).fired_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_clock_in_the_server_process_expires_an_offer_on_time() -> None:
    stop = threading.Event()
    clock = threading.Thread(target=lambda: (run_clock(stop), connections.close_all()), daemon=True)
    with override_settings(SANDBOX_OFFER_TIMEOUT_SECONDS=0.3):
        clock.start()
        try:
            offer = offered(world_create())
            expired = wait_until(
                lambda: Offer.objects.filter(pk=offer.pk, status=OfferStatus.EXPIRED).exists()
            )
        finally:
            stop.set()
            clock_wakeup.set()
            clock.join(timeout=10)

    assert expired
    # The expired offer went straight back to the queue's only agent as a new offer.
    assert Offer.objects.filter(interaction=offer.interaction, status=OfferStatus.PENDING).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clocks_racing_fire_each_timer_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("clocks in several processes share a PostgreSQL database (set DATABASE_URL)")
    world = world_create()
    world.agent(capacity=20)
    offers = [
        Offer.objects.get(
            interaction__conversation=conversation_create(
                tenant=world.tenant, channel_id=world.channel.id, user={"name": f"User {n}"}
            )
        )
        for n in range(20)
    ]
    # No re-offers: each expiry would schedule a new timer the other clock could pick up.
    Agent.objects.filter(tenant=world.tenant).update(capacity=0)
    later = timezone.now() + timedelta(minutes=5)
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def clock() -> None:
        try:
            barrier.wait(timeout=5)
            fired.append(timers_fire_due(now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(fired) == len(offers)
    assert Offer.objects.filter(pk__in=[o.pk for o in offers], status=OfferStatus.EXPIRED).count() == len(
        offers
    )


@pytest.mark.django_db
def test_a_failing_timer_is_spent_and_does_not_hold_back_the_next(world: World) -> None:
    broken = Timer.objects.create(kind=TimerKind.OFFER_TIMEOUT, ref="x", due_at=timezone.now())
    offer = offered(world)

    with (
        mock.patch.dict(
            "conversations.services.clock.TIMER_HANDLERS",
            {TimerKind.OFFER_TIMEOUT: failing_then(offer_expire)},
        ),
        time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False),
    ):
        assert timers_fire_due() == 2

    broken.refresh_from_db()
    assert broken.fired_at is not None
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED


def failing_then(handler):  # type: ignore[no-untyped-def]
    """A handler whose first call fails with an unexpected error, then behaves."""
    calls = []

    def run(ref: str) -> None:
        calls.append(ref)
        if len(calls) == 1:
            raise RuntimeError("unexpected")
        handler(ref)

    return run


def test_every_kind_of_timer_has_a_handler() -> None:
    assert set(TIMER_HANDLERS) == set(TimerKind)
