"""Ids look like 8x8's, and repeat exactly under a fixed seed."""

import re

import pytest
from django.test import override_settings

from conversations.services.lifecycle import conversation_create
from gateway_sim.ids import new_id, reset_seeded_ids
from tests.factories import World

EIGHT_BY_EIGHT_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


def test_ids_are_22_url_safe_characters_and_unique() -> None:
    ids = {new_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(EIGHT_BY_EIGHT_ID.match(i) for i in ids)


def test_a_fixed_seed_gives_the_same_sequence_again() -> None:
    with override_settings(SANDBOX_ID_SEED="snapshot"):
        reset_seeded_ids()
        first = [new_id() for _ in range(5)]
        reset_seeded_ids()
        second = [new_id() for _ in range(5)]
    reset_seeded_ids()

    assert first == second
    assert all(EIGHT_BY_EIGHT_ID.match(i) for i in first)
    with override_settings(SANDBOX_ID_SEED="another"):
        assert new_id() != first[0]
    reset_seeded_ids()


@pytest.mark.django_db
def test_the_same_calls_under_a_seed_create_the_same_conversation_and_event_ids(world: World) -> None:
    def run() -> tuple[str, list[str]]:
        reset_seeded_ids()
        conversation = conversation_create(
            tenant=world.tenant, channel_id=world.channel.id, user={"name": "Kim"}
        )
        events = list(conversation.events.order_by("sequence").values_list("event_id", flat=True))
        conversation.delete()
        return conversation.id, events

    with override_settings(SANDBOX_ID_SEED="snapshot"):
        first, second = run(), run()
    reset_seeded_ids()

    assert first == second
    assert len(first[1]) == 3
