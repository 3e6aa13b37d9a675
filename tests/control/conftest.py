"""The control API's client: the world's key on every call, JSON in and out."""

import pytest

from tests.api.conftest import GatewayClient, problem
from tests.factories import World

__all__ = ["control", "problem"]


@pytest.fixture
def control(world: World) -> GatewayClient:
    return GatewayClient(world.api_key.key)
