"""Shared fixtures: a fresh tenant world per test."""

import pytest

from tests.factories import World, world_create
from tests.live import live_sandbox

__all__ = ["live_sandbox"]


@pytest.fixture
def world(db: None) -> World:
    return world_create()
