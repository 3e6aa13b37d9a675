"""Shared fixtures: a fresh tenant world per test."""

import pytest

from tests.factories import World, world_create


@pytest.fixture
def world(db: None) -> World:
    return world_create()
