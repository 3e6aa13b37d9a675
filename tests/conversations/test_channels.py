"""channel_update with an expected version: the optimistic check of a v2 `If-Match`."""

import pytest

from conversations.models import Channel
from conversations.services.channels import channel_update
from gateway_sim.domain_errors import PreconditionFailed
from tests.factories import world_create

pytestmark = pytest.mark.django_db


def test_it_refuses_a_stale_expected_version_and_changes_nothing() -> None:
    world = world_create()

    with pytest.raises(PreconditionFailed) as refused:
        channel_update(
            channel=world.channel,
            name="Renamed",
            webhook_id=world.webhook.id,
            queue_id=world.support.public_id,
            expected_version=world.channel.version + 1,
        )

    assert refused.value.field == "If-Match"
    stored = Channel.objects.get(pk=world.channel.pk)
    assert (stored.name, stored.version, stored.routing_queue) == (world.channel.name, 1, world.sales)


def test_it_checks_the_stored_version_not_the_one_the_caller_holds() -> None:
    world = world_create()
    stale = Channel.objects.get(pk=world.channel.pk)
    channel_update(
        channel=world.channel, name="First", webhook_id=world.webhook.id, queue_id=world.sales.public_id
    )

    with pytest.raises(PreconditionFailed):
        channel_update(
            channel=stale,
            name="Second",
            webhook_id=world.webhook.id,
            queue_id=world.sales.public_id,
            expected_version=1,
        )

    assert Channel.objects.get(pk=world.channel.pk).name == "First"


def test_it_writes_when_the_expected_version_is_the_stored_one() -> None:
    world = world_create()

    channel = channel_update(
        channel=world.channel,
        name="Renamed",
        webhook_id=world.webhook.id,
        queue_id=world.support.public_id,
        expected_version=1,
    )

    stored = Channel.objects.get(pk=world.channel.pk)
    assert (channel.version, stored.name, stored.version, stored.routing_queue) == (
        2,
        "Renamed",
        2,
        world.support,
    )
