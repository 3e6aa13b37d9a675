"""Plain-SQL row access must read and write exactly what the ORM would."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from gateway_sim.db.rows import Table
from tests.factories import world_create
from webhooks.models import Event, Webhook

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)


def test_a_row_read_in_plain_sql_equals_the_orm_instance() -> None:
    webhook = world_create(echo=False).webhook
    table = Table(Webhook)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {table.columns('w')} FROM webhooks_webhook w WHERE w.id = %s", [webhook.pk])
        loaded = table.from_row(cursor.fetchone())

    expected = Webhook.objects.get(pk=webhook.pk)
    assert loaded is not None
    assert [getattr(loaded, name) for name in table.attnames] == [
        getattr(expected, name) for name in table.attnames
    ]
    assert loaded.echo is False
    assert loaded.created_at.tzinfo is not None
    assert loaded._state.adding is False


def test_the_missing_side_of_a_left_join_reads_as_none() -> None:
    assert Table(Webhook).from_row([None] * Table(Webhook).width) is None


def test_an_insert_applies_defaults_converts_json_and_reads_back_an_auto_primary_key() -> None:
    tenant = world_create().tenant
    event = Event(
        tenant=tenant, type="MESSAGE", sequence=3, payload={"text": "héllo", "n": [1]}, created_at=MOMENT
    )
    with transaction.atomic():
        Table(Event).insert(event)

    stored = Event.objects.get(pk=event.pk)
    assert event.pk is not None
    assert (stored.event_id, stored.payload, stored.created_at, stored.sequence) == (
        event.event_id,
        {"text": "héllo", "n": [1]},
        MOMENT,
        3,
    )
    assert event._state.adding is False


def test_an_update_writes_the_named_fields_of_one_row() -> None:
    world = world_create()
    other = world_create().webhook

    changed = Table(Webhook).update(world.webhook.pk, uri="http://elsewhere.test/hook", updated_at=MOMENT)

    world.webhook.refresh_from_db()
    other.refresh_from_db()
    assert changed == 1
    assert (world.webhook.uri, world.webhook.updated_at) == ("http://elsewhere.test/hook", MOMENT)
    assert other.uri != "http://elsewhere.test/hook"


def test_each_model_has_one_table() -> None:
    assert Table.of(Webhook) is Table.of(Webhook)
    assert Table.of(Webhook).model is Webhook
