"""The tenant's cursor never skips an event, whatever order transactions commit in.

On PostgreSQL two transactions commit in any order: the event inserted first may commit
last. A reader that has seen cursor N must still see that event afterwards.
"""

import random
import threading

import pytest
from django.db import connection, connections, transaction

from conversations.events import builders
from conversations.events.cursor import events_sequence
from conversations.events.outbox import event_record
from conversations.models import Conversation
from conversations.services.lifecycle import conversation_create
from tests.factories import World, world_create
from webhooks.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def _conversation(world: World) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Ada"})


def _typing_event(conversation_id: str) -> None:
    with transaction.atomic():
        conversation = Conversation.objects.select_related("tenant", "channel__webhook").get(
            pk=conversation_id
        )
        event_record(conversation=conversation, event=builders.activity_typing(None))


def _read_after(tenant_id: str, after: int) -> list[Event]:
    events_sequence(tenant_id)
    return list(Event.objects.filter(tenant_id=tenant_id, cursor__gt=after).order_by("cursor"))


def test_cursors_are_gap_free_from_one_per_tenant() -> None:
    first, second = world_create(), world_create()
    _conversation(first)
    _conversation(second)
    _conversation(first)
    assert events_sequence(first.tenant.id) == 6
    assert events_sequence(second.tenant.id) == 3
    cursors = list(Event.objects.filter(tenant=first.tenant).order_by("id").values_list("cursor", flat=True))
    assert cursors == [1, 2, 3, 4, 5, 6]


@pytest.mark.postgres
def test_an_event_that_commits_late_with_an_earlier_insert_is_still_seen() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("transactions commit out of insert order on PostgreSQL (set DATABASE_URL)")
    world = world_create()
    conversation = _conversation(world)
    other = _conversation(world)
    seen = [event.event_id for event in _read_after(world.tenant.id, 0)]
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                row = Conversation.objects.select_related("tenant", "channel__webhook").get(
                    pk=conversation.id
                )
                event_record(conversation=row, event=builders.activity_typing(None))
                inserted.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(timeout=10)
    # Inserted after the slow writer's event, committed before it.
    _typing_event(other.id)
    cursor = max(event.cursor or 0 for event in Event.objects.filter(tenant=world.tenant))
    later = _read_after(world.tenant.id, cursor)
    seen += [event.event_id for event in later]
    cursor = later[-1].cursor if later else cursor
    release.set()
    writer.join(timeout=10)
    seen += [event.event_id for event in _read_after(world.tenant.id, cursor or 0)]

    every = list(Event.objects.filter(tenant=world.tenant).values_list("event_id", flat=True))
    assert sorted(seen) == sorted(every)
    assert len(seen) == len(set(seen))


@pytest.mark.postgres
def test_readers_racing_many_writers_see_every_event_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (set DATABASE_URL)")
    world = world_create()
    conversations = [_conversation(world).id for _ in range(4)]
    writing = threading.Event()
    writing.set()

    def writer(conversation_id: str, seed: int) -> None:
        pace = random.Random(seed)
        try:
            for _ in range(15):
                with transaction.atomic():
                    row = Conversation.objects.select_related("tenant", "channel__webhook").get(
                        pk=conversation_id
                    )
                    event_record(conversation=row, event=builders.activity_typing(None))
                    # Hold the transaction a little so commits interleave out of insert order.
                    threading.Event().wait(pace.uniform(0, 0.01))
        finally:
            connections.close_all()

    seen: list[list[str]] = [[], []]

    def reader(index: int) -> None:
        cursor = 0
        try:
            while writing.is_set() or cursor < events_sequence(world.tenant.id):
                for event in _read_after(world.tenant.id, cursor):
                    seen[index].append(event.event_id)
                    cursor = event.cursor or cursor
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(cid, n)) for n, cid in enumerate(conversations)]
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for thread in [*readers, *writers]:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    writing.clear()
    for thread in readers:
        thread.join(timeout=60)

    every = sorted(Event.objects.filter(tenant=world.tenant).values_list("event_id", flat=True))
    assert len(every) == 4 * 3 + 4 * 15
    for found in seen:
        assert sorted(found) == every
