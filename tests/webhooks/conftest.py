"""Webhook test fixtures: a real local receiver (see receiver.py), a frozen clock, and a world
whose webhook points at the receiver."""

from collections.abc import Iterator

import pytest
import time_machine

from tests.factories import World
from tests.webhooks.receiver import Receiver, receiver
from tests.webhooks.support import START

__all__ = ["clock", "hooked", "receiver"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hooked(world: World, receiver: Receiver) -> World:
    world.webhook.uri = receiver.url
    world.webhook.save(update_fields=["uri"])
    return world
